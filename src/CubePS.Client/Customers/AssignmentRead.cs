using System.Collections.Generic;

namespace CubePS.Customers;

/// <summary>What one read of an assignment's pages found, to tell whether the assignment changed while it was read.</summary>
internal sealed class AssignmentRead
{
    /// <summary>The envelope's count on the first page that had one; null for a bare array.</summary>
    public long? FirstCount { get; set; }

    /// <summary>The envelope's count on the last page read.</summary>
    public long? LastCount { get; set; }

    /// <summary>True when the count differed between pages.</summary>
    public bool CountChanged { get; set; }

    /// <summary>True when the pages were read to the one without a next link.</summary>
    public bool ReadToEnd { get; set; }

    public long Received { get; set; }

    public long Distinct { get; set; }

    public long Duplicates { get; set; }

    public IReadOnlyList<string> DuplicateIds { get; set; } = new List<string>();

    public ulong Fingerprint { get; set; }

    /// <summary>Records that had a key more than once, and one such key with its customer.</summary>
    public long WithRepeatedKey { get; set; }

    public string? RepeatedKeyExample { get; set; }

    /// <summary>True when the read saw a sign of records inserted or deleted under it.</summary>
    public bool ShowsChange =>
        CountChanged || Duplicates > 0 || (ReadToEnd && LastCount is { } count && count != Distinct);

    /// <summary>True when both reads saw the same customers and the same count: the assignment held still between them.</summary>
    public bool Agrees(AssignmentRead other) =>
        ReadToEnd && other.ReadToEnd
        && LastCount == other.LastCount
        && Distinct == other.Distinct
        && Duplicates == other.Duplicates
        && Fingerprint == other.Fingerprint;
}
