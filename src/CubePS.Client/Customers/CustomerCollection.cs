using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CubePS.Storage;

namespace CubePS;

/// <summary>What one call keeps, and where it spools.</summary>
public sealed class CustomerCollectionOptions
{
    /// <summary>Bytes of records the spool keeps in memory before it compresses the rest to a temporary file.</summary>
    public const long DefaultSpoolMemoryBytes = 64L * 1024 * 1024;

    /// <summary>Records to pass over before keeping any (-Skip).</summary>
    public ulong Skip { get; set; }

    /// <summary>The most records to keep (-First); the download stops once it has them.</summary>
    public ulong First { get; set; } = ulong.MaxValue;

    /// <summary>Keep only records whose <c>updated</c> date is on or after this (-UpdatedSince).</summary>
    public DateTime? UpdatedSince { get; set; }

    public long SpoolMemoryBytes { get; set; } = DefaultSpoolMemoryBytes;

    public string TemporaryDirectory { get; set; } = Path.GetTempPath();
}

/// <summary>
/// The records of one call, from any number of assignments, held compactly until the call ends so
/// that every object it emits has the same properties: every key of every record the server sent
/// for the call, in order of first appearance. Emitting happens only after the last download.
/// </summary>
public sealed class CustomerCollection : IDisposable
{
    private readonly RecordSpool _spool;
    private long _serverTotal;
    private bool _serverTotalUnknown;

    public CustomerCollection(CustomerCollectionOptions options)
    {
        Options = options;
        _spool = new RecordSpool(options.SpoolMemoryBytes, options.TemporaryDirectory);
    }

    public CustomerCollectionOptions Options { get; }

    /// <summary>Records kept.</summary>
    public long Count => _spool.RecordCount;

    /// <summary>True once -First records are kept: nothing more needs downloading.</summary>
    public bool IsFull => (ulong)_spool.RecordCount >= Options.First;

    /// <summary>The property names, in order. Complete only after the last download.</summary>
    public IReadOnlyList<string> PropertyNames => Schema.Columns.Select(column => column.PropertyName).ToArray();

    /// <summary>Keys that could not be property names as sent, with the names they got instead.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RenamedKeys =>
        Schema.Columns.Where(column => column.IsRenamed).Select(column => new KeyValuePair<string, string>(column.Key, column.PropertyName)).ToArray();

    /// <summary>Records the server sent for this call (before any filter).</summary>
    public long RecordsReceived { get; internal set; }

    /// <summary>Records kept by -UpdatedSince only because their <c>updated</c> value was missing or not a date.</summary>
    public long UndatedRecordsKept { get; internal set; }

    /// <summary>
    /// The number of records the server says the assignments hold, summed over the envelopes'
    /// <c>count</c>; null when some reply had no count (a bare array) and was not read to its end.
    /// </summary>
    public long? ServerTotalCount => _serverTotalUnknown ? null : _serverTotal;

    /// <summary>Compressed bytes of records held in memory.</summary>
    public long SpoolMemoryBytes => _spool.MemoryBytes;

    /// <summary>The largest the temporary spool file has been, in bytes (0 when everything fit in memory).</summary>
    public long PeakTemporaryFileBytes => _spool.PeakFileBytes;

    internal RecordSchema Schema { get; } = new();

    internal RecordSpool Spool => _spool;

    /// <summary>Records still to be read before -Skip and -First are satisfied; null without -First.</summary>
    internal ulong? RecordsStillWanted =>
        Options.First == ulong.MaxValue ? null : (Options.Skip - SkippedCount) + (Options.First - (ulong)Count);

    /// <summary>Records that passed the filters but were passed over by -Skip.</summary>
    public ulong SkippedCount { get; internal set; }

    /// <summary>
    /// Reads the records back, in the order they arrived. The array holds one record's values by
    /// property index (see <see cref="PropertyNames"/>) and is reused for the next record.
    /// </summary>
    public IEnumerable<object?[]> ReadRecords() => _spool.Read(new object?[Schema.Count]);

    public void Dispose() => _spool.Dispose();

    internal CollectionMark Mark() => new(_spool.Mark(), Schema.Count, SkippedCount, RecordsReceived, UndatedRecordsKept, _serverTotal, _serverTotalUnknown);

    /// <summary>Adds an assignment's size as the server gave it; null when it is not known.</summary>
    internal void AddServerTotal(long? count)
    {
        if (count is { } known)
        {
            _serverTotal += known;
        }
        else
        {
            _serverTotalUnknown = true;
        }
    }

    internal void Rollback(CollectionMark mark)
    {
        _spool.Rollback(mark.Spool);
        Schema.Truncate(mark.SchemaCount);
        SkippedCount = mark.Skipped;
        RecordsReceived = mark.RecordsReceived;
        UndatedRecordsKept = mark.UndatedRecordsKept;
        _serverTotal = mark.ServerTotal;
        _serverTotalUnknown = mark.ServerTotalUnknown;
    }
}

/// <summary>A point to roll a collection back to when a page or an assignment fails.</summary>
internal readonly struct CollectionMark
{
    public CollectionMark(SpoolMark spool, int schemaCount, ulong skipped, long recordsReceived, long undatedRecordsKept, long serverTotal, bool serverTotalUnknown)
    {
        Spool = spool;
        SchemaCount = schemaCount;
        Skipped = skipped;
        RecordsReceived = recordsReceived;
        UndatedRecordsKept = undatedRecordsKept;
        ServerTotal = serverTotal;
        ServerTotalUnknown = serverTotalUnknown;
    }

    public SpoolMark Spool { get; }

    public int SchemaCount { get; }

    public ulong Skipped { get; }

    public long RecordsReceived { get; }

    public long UndatedRecordsKept { get; }

    public long ServerTotal { get; }

    public bool ServerTotalUnknown { get; }
}
