using System;
using System.Globalization;
using System.Text;

namespace CubePS.Records;

/// <summary>Says in words why a JSON string (a key or a value) cannot be read as text.</summary>
internal static class TextProblem
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>What is wrong with <paramref name="raw"/>, the string's bytes as they stand in the reply (escapes not undone).</summary>
    public static string Describe(ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\' || i + 1 >= raw.Length)
            {
                continue;
            }

            if (raw[i + 1] != (byte)'u')
            {
                i++;
                continue;
            }

            if (!TryReadEscape(raw, i, out var unit))
            {
                return string.Format(CultureInfo.InvariantCulture, "has a \\u escape without four hex digits at byte {0}", i + 1);
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (TryReadEscape(raw, i + 6, out var low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    i += 11;
                    continue;
                }

                return string.Format(CultureInfo.InvariantCulture, "has the escape \\u{0:X4}, the first half of a UTF-16 surrogate pair without its second half: not a character", unit);
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return string.Format(CultureInfo.InvariantCulture, "has the escape \\u{0:X4}, the second half of a UTF-16 surrogate pair without its first half: not a character", unit);
            }

            i += 5;
        }

        try
        {
            StrictUtf8.GetCharCount(raw.ToArray());
        }
        catch (DecoderFallbackException e)
        {
            return string.Format(CultureInfo.InvariantCulture, "is not valid UTF-8 (byte {0} of it is not part of a character)", e.Index + 1);
        }

        return "cannot be read as text";
    }

    private static bool TryReadEscape(ReadOnlySpan<byte> raw, int at, out int unit)
    {
        unit = 0;
        if (at + 6 > raw.Length || raw[at] != (byte)'\\' || raw[at + 1] != (byte)'u')
        {
            return false;
        }

        for (var k = at + 2; k < at + 6; k++)
        {
            var c = (char)raw[k];
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            unit = (unit << 4) | digit;
        }

        return true;
    }
}
