namespace CubePS.Selection;

/// <summary>-Skip and -First over the records the filters kept, across all assignments of a call.</summary>
internal sealed class SkipFirstWindow
{
    public SkipFirstWindow(ulong skip, ulong first)
    {
        Skip = skip;
        First = first;
    }

    /// <summary>Records to pass over before keeping any.</summary>
    public ulong Skip { get; }

    /// <summary>The most records to keep; <see cref="ulong.MaxValue"/> for no limit.</summary>
    public ulong First { get; }

    /// <summary>Records passed over so far.</summary>
    public ulong Skipped { get; set; }

    public bool HasFirst => First != ulong.MaxValue;

    /// <summary>True, and counts it, when the next wanted record is one to pass over.</summary>
    public bool TakeSkip()
    {
        if (Skipped >= Skip)
        {
            return false;
        }

        Skipped++;
        return true;
    }

    public bool IsFull(long kept) => (ulong)kept >= First;

    /// <summary>Records still to be read before -Skip and -First are satisfied; null without -First.</summary>
    public ulong? StillWanted(long kept) => HasFirst ? (Skip - Skipped) + (First - (ulong)kept) : null;
}
