using System;
using System.Globalization;
using System.Text;
using CubePS.Records;

namespace CubePS.Export;

/// <summary>
/// A stored number as the text its .NET value's ToString() gives in a culture: what Export-Csv
/// writes for the property. An integer (Int64 or BigInteger) is its own digits in every culture,
/// after the culture's minus sign when negative, so it is written from the digits Cube sent: no
/// parse, and no BigInteger.ToString, whose cost grows with the square of the digits (a million
/// digits take 20 s). Anything else goes through its .NET value.
/// </summary>
internal sealed class NumberText
{
    private readonly CultureInfo _culture;
    private byte[] _scratch = new byte[64];

    public NumberText(CultureInfo culture) => _culture = culture;

    /// <summary>The UTF-8 text; valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(ReadOnlySpan<byte> digits)
    {
        var negative = digits.Length > 1 && digits[0] == (byte)'-';
        var magnitude = negative ? digits.Slice(1) : digits;
        if (IsCanonicalInteger(magnitude))
        {
            if (!negative)
            {
                return digits;
            }

            // -0 is the integer 0, which has no sign.
            return magnitude.Length == 1 && magnitude[0] == (byte)'0' ? magnitude : Prefixed(_culture.NumberFormat.NegativeSign, magnitude);
        }

        var text = Convert.ToString(JsonNumber.ToValue(digits), _culture) ?? string.Empty;
        var count = Encoding.UTF8.GetByteCount(text);
        var scratch = Scratch(count);
        return new ReadOnlySpan<byte>(scratch, 0, Encoding.UTF8.GetBytes(text, 0, text.Length, scratch, 0));
    }

    /// <summary>Digits only, without a leading zero (unless it is 0 itself): what JSON allows for an integer.</summary>
    private static bool IsCanonicalInteger(ReadOnlySpan<byte> magnitude)
    {
        if (magnitude.Length == 0 || (magnitude[0] == (byte)'0' && magnitude.Length > 1))
        {
            return false;
        }

        foreach (var c in magnitude)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private ReadOnlySpan<byte> Prefixed(string sign, ReadOnlySpan<byte> magnitude)
    {
        var signBytes = Encoding.UTF8.GetByteCount(sign);
        var scratch = Scratch(signBytes + magnitude.Length);
        Encoding.UTF8.GetBytes(sign, 0, sign.Length, scratch, 0);
        magnitude.CopyTo(new Span<byte>(scratch, signBytes, magnitude.Length));
        return new ReadOnlySpan<byte>(scratch, 0, signBytes + magnitude.Length);
    }

    private byte[] Scratch(int count)
    {
        if (_scratch.Length < count)
        {
            _scratch = new byte[count * 2];
        }

        return _scratch;
    }
}
