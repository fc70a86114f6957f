using System;
using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace CubePS.Records;

/// <summary>
/// A JSON number as a .NET value, with nothing lost that can be kept: an integer is an Int64, or
/// a BigInteger past Int64 (as ConvertFrom-Json gives), so integers are exact; an integer longer
/// than ConvertFrom-Json takes (<see cref="RecordLimits.MaximumIntegerCharacters"/>) stays its
/// digits as text, exact too, where ConvertFrom-Json refuses it; a fraction is a Decimal when Decimal holds it exactly (1.10 stays 1.10), otherwise a Double, as
/// ConvertFrom-Json would give it; a number beyond Double's range stays its digits as text.
/// </summary>
internal static class JsonNumber
{
    public static object ToValue(ReadOnlySpan<byte> utf8)
    {
        if (Utf8Parser.TryParse(utf8, out long integer, out var consumed) && consumed == utf8.Length)
        {
            return integer;
        }

        var text = Encoding.ASCII.GetString(utf8.ToArray());
        var isInteger = utf8.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (isInteger)
        {
            // Past ConvertFrom-Json's limit, the digits as Cube sent them: BigInteger's parse and
            // ToString grow with the square of the digits (a million digits, minutes).
            if (utf8.Length > RecordLimits.MaximumIntegerCharacters)
            {
                return text;
            }

            return BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var hasExponent = utf8.IndexOfAny((byte)'e', (byte)'E') >= 0;
        if (!hasExponent
            && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var exact)
            && exact.ToString(CultureInfo.InvariantCulture) == text)
        {
            return exact;
        }

        var approximate = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsInfinity(approximate) ? text : approximate;
    }

    /// <summary>
    /// The number as an Int64 when its value is a whole number that fits, however JSON writes it
    /// (42, 42.0, 4.2e1), also inside a string: one customer_id is one customer, whatever form a
    /// server gives it. Text that is not a JSON number ("042", " 42", "+42") is not a number here.
    /// </summary>
    public static bool TryGetWholeInt64(ReadOnlySpan<byte> utf8, out long value)
    {
        value = 0;
        if (!IsJsonNumber(utf8))
        {
            return false;
        }

        if (Utf8Parser.TryParse(utf8, out value, out var consumed) && consumed == utf8.Length)
        {
            return true;
        }

        return TryWholeFromParts(utf8, out value);
    }

    /// <summary>
    /// Exactly, digit by digit (a decimal would round 1e-400 to 0): the value of a JSON number when
    /// it is whole and fits Int64.
    /// </summary>
    private static bool TryWholeFromParts(ReadOnlySpan<byte> utf8, out long value)
    {
        value = 0;
        var negative = utf8[0] == (byte)'-';
        var digits = new StringBuilder();
        var integerDigits = 0;
        var i = negative ? 1 : 0;
        for (; i < utf8.Length && IsDigit(utf8[i]); i++, integerDigits++)
        {
            digits.Append((char)utf8[i]);
        }

        if (i < utf8.Length && utf8[i] == (byte)'.')
        {
            for (i++; i < utf8.Length && IsDigit(utf8[i]); i++)
            {
                digits.Append((char)utf8[i]);
            }
        }

        long exponent = 0;
        if (i < utf8.Length)
        {
            // IsJsonNumber has checked the form: what is left is e[+-]digits.
            var exponentText = Encoding.ASCII.GetString(utf8.Slice(i + 1).ToArray());
            if (!long.TryParse(exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent) || Math.Abs(exponent) > 1000)
            {
                return digits.ToString().Trim('0').Length == 0;
            }
        }

        var significant = digits.ToString().TrimStart('0');
        var point = integerDigits + exponent - (digits.Length - significant.Length);
        if (significant.Length == 0)
        {
            return true;
        }

        if (point <= 0 || point > 19 || significant.Substring((int)Math.Min(point, significant.Length)).Trim('0').Length > 0)
        {
            return false;
        }

        var whole = point <= significant.Length ? significant.Substring(0, (int)point) : significant + new string('0', (int)point - significant.Length);
        if (!ulong.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out var magnitude))
        {
            return false;
        }

        if (negative ? magnitude > (ulong)long.MaxValue + 1 : magnitude > long.MaxValue)
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>True for JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    private static bool IsJsonNumber(ReadOnlySpan<byte> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == (byte)'-')
        {
            i++;
        }

        if (i >= text.Length || !IsDigit(text[i]))
        {
            return false;
        }

        if (text[i] == (byte)'0')
        {
            i++;
        }
        else
        {
            i = SkipDigits(text, i);
        }

        if (i < text.Length && text[i] == (byte)'.')
        {
            var start = ++i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] is (byte)'e' or (byte)'E')
        {
            i++;
            if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            var start = i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static int SkipDigits(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        return i;
    }
}
