using System;
using System.Globalization;
using System.Text;

namespace CubePS.Selection;

/// <summary>What kind of moment an <c>updated</c> value names.</summary>
internal enum UpdatedKind
{
    /// <summary>A date, yyyy-MM-dd, as Cube sends it: a day in Cube's own time zone, which CubePS does not know.</summary>
    Date,

    /// <summary>A date and time without an offset: a wall-clock time in Cube's time zone.</summary>
    WallClock,

    /// <summary>A date and time with an offset (or Z): an instant.</summary>
    Instant,
}

/// <summary>An <c>updated</c> value, read.</summary>
internal readonly struct UpdatedDate
{
    private UpdatedDate(UpdatedKind kind, DateTime value)
    {
        Kind = kind;
        Value = value;
    }

    public UpdatedKind Kind { get; }

    /// <summary>The date (Date), the wall-clock time (WallClock), or the instant in UTC (Instant).</summary>
    public DateTime Value { get; }

    /// <summary>
    /// Reads an <c>updated</c> value: yyyy-MM-dd as Cube sends it, or a date with a time after it
    /// (ISO 8601 'T' or a space), with or without an offset.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out UpdatedDate value)
    {
        value = default;

        // No date with its time and offset comes near 256 bytes: a longer value is not one, and is
        // not decoded to find out.
        if (utf8.Length < 10 || utf8.Length > 256)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(utf8.ToArray()).Trim();
        if (text.Length == 10)
        {
            if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return false;
            }

            value = new UpdatedDate(UpdatedKind.Date, date);
            return true;
        }

        if (text.Length < 11 || (text[10] != 'T' && text[10] != ' '))
        {
            return false;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        // An offset (or Z) makes it an instant; without one it is Cube's wall-clock time.
        var hasOffset = text.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || HasOffsetSuffix(text);
        value = hasOffset
            ? new UpdatedDate(UpdatedKind.Instant, parsed.UtcDateTime)
            : new UpdatedDate(UpdatedKind.WallClock, DateTime.SpecifyKind(parsed.DateTime, DateTimeKind.Unspecified));
        return true;
    }

    private static bool HasOffsetSuffix(string text)
    {
        // ...+01:00, ...-0500 or ...+01 after the time (the date's own '-' come before position 10).
        var sign = Math.Max(text.LastIndexOf('+'), text.LastIndexOf('-'));
        return sign > 10;
    }
}
