using System;
using System.Globalization;
using System.Text;
using CubePS.Records;

namespace CubePS.Export;

/// <summary>
/// A stored number as the text its .NET value's ToString() gives in a culture: what Export-Csv
/// writes for the property. A non-negative integer that fits Int64 is its own digits in every
/// culture, so it is copied as Cube sent it; anything else goes through its .NET value.
/// </summary>
internal sealed class NumberText
{
    private readonly CultureInfo _culture;
    private byte[] _scratch = new byte[64];

    public NumberText(CultureInfo culture) => _culture = culture;

    /// <summary>The UTF-8 text; valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(ReadOnlySpan<byte> digits)
    {
        if (digits.Length > 0 && digits[0] != (byte)'-' && JsonNumber.TryGetInt64(digits, out _) && (digits.Length == 1 || digits[0] != (byte)'0'))
        {
            return digits;
        }

        var text = Convert.ToString(JsonNumber.ToValue(digits), _culture) ?? string.Empty;
        var count = Encoding.UTF8.GetByteCount(text);
        if (_scratch.Length < count)
        {
            _scratch = new byte[count * 2];
        }

        return new ReadOnlySpan<byte>(_scratch, 0, Encoding.UTF8.GetBytes(text, 0, text.Length, _scratch, 0));
    }
}
