using System;
using System.Collections.Generic;
using System.Text.Json;
using CubePS.Errors;
using CubePS.Pages;
using CubePS.Records;
using CubePS.Selection;

namespace CubePS.Customers;

/// <summary>
/// Where the records of one read of an assignment go: each is decoded into the collection; a
/// customer_id already seen in this read is dropped and counted; the rest are judged by the
/// assignment's filters and the call's -Skip/-First, then kept or taken out again.
/// </summary>
internal sealed class CollectingSink : IRecordSink
{
    /// <summary>How many duplicate ids a warning names.</summary>
    private const int DuplicatesNamed = 5;

    private readonly CustomerCollection _collection;
    private readonly RecordDecoder _decoder;
    private readonly List<string> _duplicateIds = new();

    // The page being read: its ids and counts join the read's only once the page is whole, so
    // that a page read again after a failure does not find its own customers already there.
    private readonly HashSet<long> _pageIds = new();
    private readonly HashSet<CustomerIdDigest> _pageOtherIds = new();
    private long _pageReceived;
    private long _pageDuplicates;
    private long _pageWithoutId;
    private long _pageWithRepeatedKey;

    public CollectingSink(CustomerCollection collection, WantedCustomerIds? customerIds)
    {
        _collection = collection;
        _decoder = new RecordDecoder(collection.Schema, collection.Writer);
        Filter = new CustomerFilter(customerIds, collection.Options.UpdatedSince);
    }

    public CustomerFilter Filter { get; }

    /// <summary>The distinct customer_ids of this read.</summary>
    public CustomerIdSet Ids { get; } = new();

    /// <summary>Records of this read (duplicates included).</summary>
    public long Received { get; private set; }

    /// <summary>Records dropped because their customer_id came earlier in this read.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Records without a customer_id, which cannot be told apart.</summary>
    public long WithoutId { get; private set; }

    /// <summary>Records that have a key more than once.</summary>
    public long WithRepeatedKey { get; private set; }

    /// <summary>One such key and the customer it was in, for a message.</summary>
    public string? RepeatedKeyExample { get; private set; }

    /// <summary>Starts (or starts again) a page.</summary>
    public void BeginPage()
    {
        _pageIds.Clear();
        _pageOtherIds.Clear();
        _pageReceived = 0;
        _pageDuplicates = 0;
        _pageWithoutId = 0;
        _pageWithRepeatedKey = 0;
    }

    /// <summary>The page was read whole: its customers join the read.</summary>
    public void EndPage()
    {
        foreach (var id in _pageIds)
        {
            Ids.Add(id);
        }

        foreach (var id in _pageOtherIds)
        {
            Ids.Add(id);
        }

        Received += _pageReceived;
        Duplicates += _pageDuplicates;
        WithoutId += _pageWithoutId;
        WithRepeatedKey += _pageWithRepeatedKey;
        BeginPage();
    }

    /// <summary>The first few duplicate customer_ids, for a message.</summary>
    public IReadOnlyList<string> DuplicateIds => _duplicateIds;

    public RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer)
    {
        var writer = _collection.Writer;
        writer.BeginRecord();
        if (!_decoder.TryDecode(ref reader, buffer, out var facts))
        {
            writer.CancelRecord();
            return RecordOutcome.Incomplete;
        }

        _pageReceived++;
        _collection.RecordsReceived++;
        if (facts.RepeatedKey is { } key)
        {
            _pageWithRepeatedKey++;
            RepeatedKeyExample ??= "'" + ServerText.Quote(key) + "' in customer " + (facts.CustomerId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? (facts.OtherCustomerId is { } other ? ServerText.Quote(other) : "without a customer_id"));
        }

        if (IsDuplicate(facts))
        {
            writer.CancelRecord();
            return RecordOutcome.Added;
        }

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

    private bool IsDuplicate(in RecordFacts facts)
    {
        bool added;
        if (facts.CustomerId is { } id)
        {
            added = !Ids.Contains(id) && _pageIds.Add(id);
        }
        else if (facts.OtherCustomerId is { } other)
        {
            var digest = CustomerIdDigest.Of(other);
            added = !Ids.Contains(digest) && _pageOtherIds.Add(digest);
        }
        else
        {
            // No customer_id: nothing to tell it from another record by.
            _pageWithoutId++;
            return false;
        }

        if (added)
        {
            return false;
        }

        _pageDuplicates++;
        var named = facts.CustomerId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ServerText.Quote(facts.OtherCustomerId!);
        if (_duplicateIds.Count < DuplicatesNamed && !_duplicateIds.Contains(named))
        {
            _duplicateIds.Add(named);
        }

        return true;
    }
}
