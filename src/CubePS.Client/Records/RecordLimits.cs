namespace CubePS.Records;

/// <summary>
/// What a server's records may hold that stays for the whole call (keys, customer_ids) or costs
/// more than linear time to convert (integers). Each limit is far beyond any real Cube, so only a
/// broken or hostile server meets it, and then gets a CubeInvalidResponse that names the limit
/// instead of a call that holds gigabytes or runs for days. README's Reliability section names them.
/// </summary>
internal static class RecordLimits
{
    /// <summary>
    /// The longest key, in UTF-8 bytes: Cube's keys are its standard field names and the labels of
    /// extra information fields typed in its GUI, a few dozen characters.
    /// </summary>
    public const int MaximumKeyBytes = 1024;

    /// <summary>Different keys in one call at most: Excel's column count, so every call's columns fit a worksheet.</summary>
    public const int MaximumKeys = 16_384;

    /// <summary>The longest customer_id, in UTF-8 bytes: Cube's ids are integers; any id is a handful of characters.</summary>
    public const int MaximumCustomerIdBytes = 512;

    /// <summary>
    /// The longest integer (sign included) that becomes a number; a longer one stays the text Cube
    /// sent. It is ConvertFrom-Json's own limit (it refuses a longer one), and it keeps BigInteger's
    /// conversions, whose cost grows with the square of the digits, instant.
    /// </summary>
    public const int MaximumIntegerCharacters = 380;
}
