using System;
using System.Collections.Generic;
using CubePS.Records;

namespace CubePS.Selection;

/// <summary>What a record's filters said about it.</summary>
internal enum FilterVerdict
{
    /// <summary>Not wanted.</summary>
    Dropped,

    /// <summary>Wanted.</summary>
    Kept,

    /// <summary>Kept by -UpdatedSince only because its <c>updated</c> value is missing or not a date.</summary>
    KeptUndated,
}

/// <summary>
/// -CustomerId and -UpdatedSince for one assignment: which records are wanted. Cube's API has
/// neither filter, so they apply on this machine to every record the server sends.
/// </summary>
internal sealed class CustomerFilter
{
    private readonly WantedCustomerIds? _customerIds;
    private readonly UpdatedSinceRule? _updatedSince;

    public CustomerFilter(WantedCustomerIds? customerIds, DateTime? updatedSince)
    {
        _customerIds = customerIds is { Count: > 0 } ? customerIds : null;
        _updatedSince = updatedSince is { } since ? new UpdatedSinceRule(since) : null;
    }

    /// <summary>True when records may be dropped.</summary>
    public bool IsActive => _customerIds is not null || _updatedSince is not null;

    public FilterVerdict Judge(in RecordFacts facts)
    {
        if (_customerIds is not null && !_customerIds.Contains(facts))
        {
            return FilterVerdict.Dropped;
        }

        if (_updatedSince is null)
        {
            return FilterVerdict.Kept;
        }

        if (!facts.HasUpdated || !UpdatedDate.TryParse(facts.UpdatedText, out var updated))
        {
            // A record whose date is unknown cannot be shown to be unchanged: kept, never dropped unseen.
            return FilterVerdict.KeptUndated;
        }

        return _updatedSince.IsOnOrAfter(updated) ? FilterVerdict.Kept : FilterVerdict.Dropped;
    }
}
