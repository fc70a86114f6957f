using System;
using System.Collections.Generic;
using System.Linq;
using CubePS.Records;
using CubePS.Selection;
using CubePS.Storage;

namespace CubePS.Customers;

/// <summary>
/// The records of one call, from any number of assignments, held compactly until the call ends so
/// that every object it emits has the same properties: every key of every record the server sent
/// for the call, in order of first appearance. Emitting happens only after the last download.
/// </summary>
internal sealed class CustomerCollection : IDisposable
{
    private readonly ChunkStore _store;
    private long _serverTotal;
    private bool _serverTotalUnknown;

    public CustomerCollection(CustomerCollectionOptions options)
    {
        Options = options;
        var directory = options.TemporaryDirectory;
        _store = new ChunkStore(options.SpoolMemoryBytes, options.OpenSpillFile ?? (() => SpillFile.Open(directory)), directory);
        Writer = new RecordWriter(_store);
        Window = new SkipFirstWindow(options.Skip, options.First);
    }

    public CustomerCollectionOptions Options { get; }

    /// <summary>Records kept.</summary>
    public long Count => Writer.RecordCount;

    /// <summary>True once -First records are kept: nothing more needs downloading.</summary>
    public bool IsFull => Window.IsFull(Count);

    /// <summary>The property names, in order. Complete only after the last download.</summary>
    public IReadOnlyList<string> PropertyNames => Schema.Columns.Select(column => column.PropertyName).ToArray();

    /// <summary>Keys that could not be property names as sent, with the names they got instead.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RenamedKeys =>
        Schema.Columns.Where(column => column.IsRenamed).Select(column => new KeyValuePair<string, string>(column.Key, column.PropertyName)).ToArray();

    /// <summary>Records the server sent for this call (before any filter).</summary>
    public long RecordsReceived { get; set; }

    /// <summary>Records kept by -UpdatedSince only because their <c>updated</c> value was missing or not a date.</summary>
    public long UndatedRecordsKept { get; set; }

    /// <summary>
    /// The number of records the server says the assignments hold, summed over the envelopes'
    /// <c>count</c>; null when some reply had no count (a bare array) and was not read to its end.
    /// </summary>
    public long? ServerTotalCount => _serverTotalUnknown ? null : _serverTotal;

    /// <summary>Compressed bytes of records held in memory.</summary>
    public long SpoolMemoryBytes => _store.MemoryBytes;

    /// <summary>The largest the temporary spool file has been, in bytes (0 when everything fit in memory).</summary>
    public long PeakTemporaryFileBytes => _store.PeakSpillBytes;

    /// <summary>-Skip and -First.</summary>
    public SkipFirstWindow Window { get; }

    /// <summary>Records that passed the filters but were passed over by -Skip.</summary>
    public ulong SkippedCount => Window.Skipped;

    /// <summary>Records still to be read before -Skip and -First are satisfied; null without -First.</summary>
    public ulong? RecordsStillWanted => Window.StillWanted(Count);

    public RecordSchema Schema { get; } = new();

    public RecordWriter Writer { get; }

    /// <summary>
    /// Reads the records back, in the order they arrived. The array holds one record's values by
    /// property index (see <see cref="PropertyNames"/>) and is reused for the next record.
    /// </summary>
    public IEnumerable<object?[]> ReadRecords() => RecordReader.Read(_store, new object?[Schema.Count]);

    /// <summary>Reads the records back as stored (for writing them to a file without making .NET objects).</summary>
    public IEnumerable<StoredRecord> ReadStoredRecords() => RecordReader.ReadFields(_store);

    public void Dispose() => _store.Dispose();

    public CollectionMark Mark() =>
        new(_store.Mark(), Writer.RecordCount, Schema.Count, Window.Skipped, RecordsReceived, UndatedRecordsKept, _serverTotal, _serverTotalUnknown);

    /// <summary>Adds an assignment's size as the server gave it; null when it is not known.</summary>
    public void AddServerTotal(long? count)
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

    public void Rollback(CollectionMark mark)
    {
        _store.Rollback(mark.StoreMark);
        Writer.Rollback(mark.RecordCount);
        Schema.Truncate(mark.SchemaCount);
        Window.Skipped = mark.Skipped;
        RecordsReceived = mark.RecordsReceived;
        UndatedRecordsKept = mark.UndatedRecordsKept;
        _serverTotal = mark.ServerTotal;
        _serverTotalUnknown = mark.ServerTotalUnknown;
    }
}
