using System.Text;
using System.Text.RegularExpressions;
using CubePS.Connections;

namespace CubePS.Http;

/// <summary>Turns the start of a reply body into a short, safe line for error messages.</summary>
internal static class ReplyText
{
    public const int MaximumLength = 1000;

    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.CultureInvariant);

    public static string Summarize(byte[] bytes, int length, SecretMasker masker)
    {
        // Lenient decoding: this is for a human to read; invalid bytes show as U+FFFD.
        var text = Encoding.UTF8.GetString(bytes, 0, length);
        text = Whitespace.Replace(text, " ").Trim();
        text = masker.MaskText(text);
        return text.Length <= MaximumLength ? text : text.Substring(0, MaximumLength) + " …";
    }
}
