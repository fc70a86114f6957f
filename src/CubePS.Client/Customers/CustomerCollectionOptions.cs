using System;
using System.IO;

namespace CubePS.Customers;

/// <summary>What one call keeps, and where it spools.</summary>
internal sealed class CustomerCollectionOptions
{
    /// <summary>Compressed bytes of records kept in memory before the rest goes to a temporary file.</summary>
    public const long DefaultSpoolMemoryBytes = 64L * 1024 * 1024;

    /// <summary>Records to pass over before keeping any (-Skip).</summary>
    public ulong Skip { get; set; }

    /// <summary>The most records to keep (-First); the download stops once it has them.</summary>
    public ulong First { get; set; } = ulong.MaxValue;

    /// <summary>Keep only records whose <c>updated</c> date is on or after this (-UpdatedSince).</summary>
    public DateTime? UpdatedSince { get; set; }

    public long SpoolMemoryBytes { get; set; } = DefaultSpoolMemoryBytes;

    /// <summary>Opens the temporary file records spill to beyond <see cref="SpoolMemoryBytes"/>.</summary>
    public Func<Stream>? OpenSpillFile { get; set; }

    public string TemporaryDirectory { get; set; } = Path.GetTempPath();
}
