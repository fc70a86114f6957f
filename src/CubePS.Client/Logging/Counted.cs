using System.Globalization;

namespace CubePS.Logging;

/// <summary>A count with its noun in the right number, for messages people read: "1 customer", "2 customers".</summary>
internal static class Counted
{
    public static string Of(long count, string singular, string? plural = null) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + " " + (count == 1 ? singular : plural ?? singular + "s");
}
