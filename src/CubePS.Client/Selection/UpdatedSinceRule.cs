using System;

namespace CubePS.Selection;

/// <summary>
/// -UpdatedSince: which <c>updated</c> values are on or after the cut-off. Instants are compared
/// as instants, whatever the DateTime's Kind. A value without an offset is a day or a wall-clock
/// time in Cube's time zone, which CubePS does not know; it is compared so that no time zone on
/// Earth (UTC-12 to UTC+14) could make a customer changed at or after the cut-off look older, so
/// an incremental export may repeat a customer but never misses one.
/// </summary>
internal sealed class UpdatedSinceRule
{
    /// <summary>The time zones furthest behind and ahead of UTC.</summary>
    private static readonly TimeSpan FurthestBehind = TimeSpan.FromHours(12);
    private static readonly TimeSpan FurthestAhead = TimeSpan.FromHours(14);

    private readonly DateTime? _calendarDate;
    private readonly DateTime _instantUtc;

    /// <param name="since">
    /// A date (midnight of Kind Unspecified, as '2024-03-01' binds) is a calendar day, wherever
    /// Cube is. Any other value is an instant: one with a time of day (Unspecified counts as local
    /// time, as PowerShell's own dates do), and any Local or UTC DateTime even at midnight. Those
    /// know their zone: Get-Date, and [datetime] of a text with an offset, give Local. So a
    /// cut-off stored as an instant ('2024-03-01T16:00:00Z') and read back with [datetime] stays that
    /// instant on a host where it is local midnight (UTC+8), instead of becoming a whole day.
    /// </param>
    public UpdatedSinceRule(DateTime since)
    {
        if (since.Kind == DateTimeKind.Unspecified && since.TimeOfDay == TimeSpan.Zero)
        {
            _calendarDate = since.Date;
            _instantUtc = Earlier(DateTime.SpecifyKind(since.Date, DateTimeKind.Utc), FurthestAhead);
        }
        else
        {
            _instantUtc = since.Kind == DateTimeKind.Utc ? since : DateTime.SpecifyKind(since, DateTimeKind.Local).ToUniversalTime();
        }
    }

    public bool IsOnOrAfter(UpdatedDate updated)
    {
        switch (updated.Kind)
        {
            case UpdatedKind.Instant:
                return updated.Value >= _instantUtc;
            case UpdatedKind.WallClock:
                return _calendarDate is { } day ? updated.Value.Date >= day : updated.Value >= Earlier(_instantUtc, FurthestBehind);
            default:
                return _calendarDate is { } date ? updated.Value >= date : updated.Value >= Earlier(_instantUtc, FurthestBehind).Date;
        }
    }

    private static DateTime Earlier(DateTime value, TimeSpan by) =>
        value.Ticks - DateTime.MinValue.Ticks < by.Ticks ? DateTime.MinValue : value - by;
}
