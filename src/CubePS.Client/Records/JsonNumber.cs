using System;
using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace CubePS.Records;

/// <summary>
/// A JSON number as a .NET value, with nothing lost that can be kept: an integer is an Int64, or
/// a BigInteger past Int64 (as ConvertFrom-Json gives), so integers of any size are exact; a
/// fraction is a Decimal when Decimal holds it exactly (1.10 stays 1.10), otherwise a Double, as
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

    /// <summary>The number as an Int64 when it is an integer that fits, for matching -CustomerId.</summary>
    public static bool TryGetInt64(ReadOnlySpan<byte> utf8, out long value) =>
        Utf8Parser.TryParse(utf8, out value, out var consumed) && consumed == utf8.Length;

    /// <summary>
    /// The number as an Int64 when its value is a whole number that fits, however it is written
    /// (42, 42.0, 4.2e1): one customer_id is one customer, whatever form a server gives it.
    /// </summary>
    public static bool TryGetWholeInt64(ReadOnlySpan<byte> utf8, out long value)
    {
        if (TryGetInt64(utf8, out value))
        {
            return true;
        }

        if (utf8.Length == 0 || utf8.Length > 64 || !(utf8[0] == (byte)'-' || utf8[0] is >= (byte)'0' and <= (byte)'9'))
        {
            return false;
        }

        foreach (var c in utf8)
        {
            if (!(c is >= (byte)'0' and <= (byte)'9' || c is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'-' or (byte)'+'))
            {
                return false;
            }
        }

        if (decimal.TryParse(Encoding.ASCII.GetString(utf8.ToArray()), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number)
            && decimal.Truncate(number) == number
            && number >= long.MinValue
            && number <= long.MaxValue)
        {
            value = (long)number;
            return true;
        }

        return false;
    }
}
