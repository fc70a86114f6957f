using System;
using System.Globalization;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>
/// -UpdatedSince takes an instant however it comes, so that it is never read as a calendar day:
/// a DateTimeOffset (which PowerShell cannot turn into a DateTime by itself) and text with an
/// offset or Z (a state file read back with Get-Content, which ConstrainedLanguage allows where
/// it refuses a [datetimeoffset] cast) both become that instant as a UTC DateTime, exactly,
/// whatever this machine's time zone. Everything else binds as a DateTime does.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class UpdatedSinceArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
        (inputData is PSObject wrapped ? wrapped.BaseObject : inputData) switch
        {
            DateTimeOffset instant => instant.UtcDateTime,
            string text when TryParseInstant(text, out var utc) => utc,
            _ => inputData,
        };

    /// <summary>
    /// Text that names an offset or Z, as PowerShell's invariant-culture reading of a date does:
    /// read with the offset it names, never through this machine's local time (whose ambiguous
    /// hour at the end of summer time would move it). Text without an offset is left to PowerShell.
    /// </summary>
    internal static bool TryParseInstant(string text, out DateTime utc)
    {
        utc = default;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind | DateTimeStyles.AllowWhiteSpaces, out var parsed)
            || parsed.Kind == DateTimeKind.Unspecified
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var instant))
        {
            return false;
        }
        utc = instant.UtcDateTime;
        return true;
    }
}
