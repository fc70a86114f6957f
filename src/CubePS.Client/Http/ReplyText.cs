using System;
using System.Text;
using System.Text.RegularExpressions;
using CubePS.Connections;

namespace CubePS.Http;

/// <summary>Turns the start of a reply body into a short, safe line for error messages.</summary>
internal static class ReplyText
{
    public const int MaximumLength = 1000;

    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.CultureInvariant);

    /// <param name="bytes">The start of the reply.</param>
    /// <param name="length">How many bytes of it were read.</param>
    /// <param name="masker">The connection's secrets.</param>
    /// <param name="cutShort">True when the reply went on past what was read: its end may hold the start of a secret.</param>
    public static string Summarize(byte[] bytes, int length, SecretMasker masker, bool cutShort)
    {
        // Lenient decoding: this is for a human to read; invalid bytes show as U+FFFD.
        var text = Encoding.UTF8.GetString(bytes, 0, length);

        // Masked before whitespace is collapsed (a password may hold a tab or two spaces), and a
        // cut-off end dropped, since a secret that begins there cannot be recognised.
        text = masker.MaskText(text);
        if (cutShort)
        {
            text = text.Substring(0, Math.Max(0, text.Length - masker.LongestSpelling)) + " …";
        }

        text = Whitespace.Replace(text, " ").Trim();
        return text.Length <= MaximumLength ? text : text.Substring(0, MaximumLength) + " …";
    }
}
