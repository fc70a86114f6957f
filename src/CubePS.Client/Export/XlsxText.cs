using System;
using System.Runtime.CompilerServices;

namespace CubePS.Export;

/// <summary>
/// Text as a worksheet's string cell holds it (ECMA-376 ST_Xstring inside XML 1.0), from the UTF-8
/// Cube sent: every character XML can hold is written as itself (emoji and other characters above
/// U+FFFF included); &lt;, &gt; and &amp; as XML's entities; a carriage return as the character
/// reference &amp;#13;, because an XML reader turns a literal one into a line feed; the characters
/// XML 1.0 cannot hold at all (U+0000 to U+001F but tab, line feed and carriage return, and U+FFFE,
/// U+FFFF) as the spec's escape _xHHHH_; and the literal text _xHHHH_ with its underscore escaped
/// (_x005F_xHHHH_), as the spec asks, so a reader that decodes the escapes gives back the text.
/// </summary>
internal static class XlsxText
{
    /// <summary>Bytes that need a look: 1 for each, 0 for bytes written as they are.</summary>
    private static readonly byte[] Attention = MakeAttention();

    private static readonly byte[] HexDigits = "0123456789ABCDEF"u8.ToArray();

    /// <summary>True when <paramref name="utf8"/> holds text that a reader would take for the escape _xHHHH_.</summary>
    public static bool HasLiteralEscape(ReadOnlySpan<byte> utf8)
    {
        var at = utf8.IndexOf((byte)'_');
        while (at >= 0)
        {
            if (IsEscapeAt(utf8, at))
            {
                return true;
            }

            var next = utf8.Slice(at + 1).IndexOf((byte)'_');
            at = next < 0 ? -1 : at + 1 + next;
        }

        return false;
    }

    /// <summary>
    /// True when the text needs xml:space="preserve" on its text element: it starts or ends with
    /// white space, which readers otherwise trim.
    /// </summary>
    public static bool NeedsPreserve(ReadOnlySpan<byte> utf8) =>
        utf8.Length > 0 && (IsXmlSpace(utf8[0]) || IsXmlSpace(utf8[utf8.Length - 1]));

    /// <summary>The characters (UTF-16 code units, as Excel counts a cell's length) of valid UTF-8.</summary>
    public static int Utf16Length(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8)
        {
            // A continuation byte adds nothing; a lead byte of four adds a surrogate pair.
            if ((b & 0xC0) != 0x80)
            {
                count += b >= 0xF0 ? 2 : 1;
            }
        }

        return count;
    }

    // A carriage return as a reference, so XML readers keep it instead of folding it into a line feed.
    private static ReadOnlySpan<byte> EntityOf(byte b) => b switch
    {
        (byte)'<' => "&lt;"u8,
        (byte)'>' => "&gt;"u8,
        (byte)'&' => "&amp;"u8,
        _ => "&#13;"u8,
    };

    /// <summary>The text, escaped, appended to <paramref name="output"/>.</summary>
    [MethodImpl(JitHints.HotLoop)]
    public static void Write(Utf8Output output, ReadOnlySpan<byte> utf8)
    {
        var start = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (Attention[b] == 0)
            {
                continue;
            }

            var consumed = 1;
            switch (b)
            {
                case (byte)'<' or (byte)'>' or (byte)'&' or (byte)'\r':
                    Flush(output, utf8, start, i);
                    output.Write(EntityOf(b));
                    break;
                case (byte)'_':
                    if (!IsEscapeAt(utf8, i))
                    {
                        continue;
                    }

                    Flush(output, utf8, start, i);
                    output.Write("_x005F_"u8);
                    break;
                case 0xEF:
                    // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters.
                    if (i + 2 >= utf8.Length || utf8[i + 1] != 0xBF || utf8[i + 2] < 0xBE)
                    {
                        continue;
                    }

                    Flush(output, utf8, start, i);
                    output.Write(utf8[i + 2] == 0xBE ? "_xFFFE_"u8 : "_xFFFF_"u8);
                    consumed = 3;
                    break;
                default:
                    // A control character XML 1.0 cannot hold, even as a character reference.
                    Flush(output, utf8, start, i);
                    var escape = output.GetSpan(7);
                    "_x00"u8.CopyTo(escape);
                    escape[4] = HexDigits[b >> 4];
                    escape[5] = HexDigits[b & 0xF];
                    escape[6] = (byte)'_';
                    output.Advance(7);
                    break;
            }

            start = i + consumed;
            i += consumed - 1;
        }

        Flush(output, utf8, start, utf8.Length);
    }

    /// <summary>The bytes from <paramref name="start"/> to <paramref name="end"/>, which need no escape.</summary>
    private static void Flush(Utf8Output output, ReadOnlySpan<byte> utf8, int start, int end)
    {
        if (end > start)
        {
            output.Write(utf8.Slice(start, end - start));
        }
    }

    /// <summary>_x, then four hexadecimal digits, then _: what readers decode (x of either case, to be safe).</summary>
    private static bool IsEscapeAt(ReadOnlySpan<byte> utf8, int at) =>
        at + 6 < utf8.Length
        && (utf8[at + 1] | 0x20) == (byte)'x'
        && IsHex(utf8[at + 2]) && IsHex(utf8[at + 3]) && IsHex(utf8[at + 4]) && IsHex(utf8[at + 5])
        && utf8[at + 6] == (byte)'_';

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static bool IsXmlSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static byte[] MakeAttention()
    {
        var table = new byte[256];
        for (var b = 0; b < 0x20; b++)
        {
            table[b] = 1;
        }

        table['\t'] = 0;
        table['\n'] = 0;
        table['<'] = 1;
        table['>'] = 1;
        table['&'] = 1;
        table['_'] = 1;
        table[0xEF] = 1;
        return table;
    }
}
