using System.Collections.Generic;

namespace CubePS.Customers;

/// <summary>What a download of one assignment found besides its records.</summary>
internal sealed class DownloadResult
{
    public DownloadResult(long? customers, IReadOnlyList<string> missingCustomerIds)
    {
        Customers = customers;
        MissingCustomerIds = missingCustomerIds;
    }

    /// <summary>How many customers the assignment holds: counted when it was read to its end, else Cube's count, else null.</summary>
    public long? Customers { get; }

    /// <summary>The ids of -CustomerId that the assignment does not hold (known only when it was read to its end).</summary>
    public IReadOnlyList<string> MissingCustomerIds { get; }
}
