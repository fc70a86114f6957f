namespace CubePS.Pages;

/// <summary>What one page said about paging, and how much of it was read.</summary>
internal sealed class PageSummary
{
    /// <summary>The envelope's <c>count</c>, when it had a number there.</summary>
    public long? Count { get; set; }

    /// <summary>The envelope's <c>next</c>; null on the last page and for a bare array.</summary>
    public string? Next { get; set; }

    /// <summary>Records in the page that the sink received.</summary>
    public int Records { get; set; }

    /// <summary>True when the sink wanted no more records and the rest of the page was not read.</summary>
    public bool Stopped { get; set; }

    public long Bytes { get; set; }
}
