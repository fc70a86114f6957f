using System;
using System.Collections.Generic;
using System.Text.Json;
using CubePS.Pages;
using CubePS.Records;
using CubePS.Selection;

namespace CubePS.Customers;

/// <summary>
/// Where the records of one assignment's pages go: each is decoded into the collection, judged by
/// the assignment's filters and the call's -Skip/-First, and then kept or taken out again.
/// </summary>
internal sealed class CollectingSink : IRecordSink
{
    private readonly CustomerCollection _collection;
    private readonly RecordDecoder _decoder;

    public CollectingSink(CustomerCollection collection, IReadOnlyCollection<long>? customerIds)
    {
        _collection = collection;
        _decoder = new RecordDecoder(collection.Schema, collection.Writer);
        Filter = new CustomerFilter(customerIds, collection.Options.UpdatedSince);
    }

    public CustomerFilter Filter { get; }

    public RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer)
    {
        var writer = _collection.Writer;
        writer.BeginRecord();
        if (!_decoder.TryDecode(ref reader, buffer, out var facts))
        {
            writer.CancelRecord();
            return RecordOutcome.Incomplete;
        }

        _collection.RecordsReceived++;
        var verdict = Filter.Judge(facts);
        if (verdict == FilterVerdict.Dropped || _collection.Window.TakeSkip())
        {
            writer.CancelRecord();
            return RecordOutcome.Added;
        }

        if (verdict == FilterVerdict.KeptUndated)
        {
            _collection.UndatedRecordsKept++;
        }

        writer.EndRecord();
        return _collection.IsFull ? RecordOutcome.Enough : RecordOutcome.Added;
    }
}
