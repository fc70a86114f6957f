using System;
using System.Globalization;
using System.Text;

namespace CubePS.Selection;

/// <summary>Reading Cube's <c>updated</c> values: <c>yyyy-MM-dd</c>, sometimes with a time after it.</summary>
internal static class UpdatedDate
{
    /// <summary>
    /// Parses the date at the start of an <c>updated</c> value: yyyy-MM-dd as Cube sends it, with an
    /// optional time after it (ISO 8601 'T' or a space), which is then compared too.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out DateTime value)
    {
        value = default;
        if (utf8.Length < 10)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(utf8.ToArray()).Trim();
        if (text.Length == 10)
        {
            return DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
        }

        if (text[10] != 'T' && text[10] != ' ')
        {
            return false;
        }

        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value))
        {
            return false;
        }

        // A time with an offset is compared in local time, as -UpdatedSince is given.
        if (value.Kind == DateTimeKind.Utc)
        {
            value = value.ToLocalTime();
        }

        return true;
    }
}
