using System;
using System.Globalization;
using System.Text;

namespace CubePS.Errors;

/// <summary>
/// The one place where text a server controls (a key, a customer_id, a link, a header, a reason
/// phrase, a runtime message that quotes the reply) is cut to a length fit for a message, a
/// warning or ErrorDetails: a server that sends 5 MB of it gets a few hundred characters and the
/// length it had, never a 5 MB message. Masking secrets and leaving out customer values are
/// decided where the message is made; this only bounds the length.
/// </summary>
internal static class ServerText
{
    /// <summary>The most characters of one server text a message quotes.</summary>
    public const int MaximumQuoted = 200;

    /// <summary><paramref name="text"/> as it is when short, else its start and how long it was.</summary>
    public static string Quote(string text) => Quote(text, MaximumQuoted);

    /// <summary><paramref name="text"/> as it is when it has at most <paramref name="limit"/> characters, else its start and how long it was.</summary>
    public static string Quote(string text, int limit)
    {
        if (text.Length <= limit)
        {
            return text;
        }

        return Start(text, limit) + Length(text.Length, "characters");
    }

    /// <summary>The UTF-8 text <paramref name="utf8"/> quoted the same way, decoding no more of it than is shown.</summary>
    public static string Quote(ReadOnlySpan<byte> utf8)
    {
        // A character is at most 4 bytes: this many bytes hold the characters shown, and the
        // lenient decoder turns a character cut at the end into U+FFFD, which Start drops.
        var shown = Math.Min(utf8.Length, (MaximumQuoted + 1) * 4);
        var text = Encoding.UTF8.GetString(utf8.Slice(0, shown).ToArray());
        if (shown == utf8.Length && text.Length <= MaximumQuoted)
        {
            return text;
        }

        return Start(text, MaximumQuoted) + Length(utf8.Length, "bytes");
    }

    private static string Start(string text, int limit)
    {
        var end = Math.Min(limit, text.Length);

        // Never half a surrogate pair.
        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text.Substring(0, end).TrimEnd('\uFFFD');
    }

    private static string Length(long length, string unit) =>
        string.Format(CultureInfo.InvariantCulture, "… ({0:N0} {1} in all)", length, unit);
}
