using System;
using System.IO;

namespace CubePS.Customers;

/// <summary>What one call keeps, and where it spools.</summary>
internal sealed class CustomerCollectionOptions
{
    /// <summary>
    /// Compressed bytes of records kept in memory before the rest goes to a temporary file: about
    /// 270,000 customers. Reading the rest back from the file costs little, and every megabyte held
    /// here is a megabyte of the process's peak (the benchmark's million-record export).
    /// </summary>
    public const long DefaultSpoolMemoryBytes = 32L * 1024 * 1024;

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
