using System;

namespace CubePS.Records;

/// <summary>What the selection needs to know of a decoded record: its <c>customer_id</c> and its <c>updated</c> text.</summary>
internal ref struct RecordFacts
{
    /// <summary>The customer_id, when it is an integer (a number, or a string holding one).</summary>
    public long? CustomerId;

    /// <summary>The customer_id when it is not an integer (any other string or number), as text.</summary>
    public string? OtherCustomerId;

    /// <summary>True when the record has an <c>updated</c> key whose value is not null.</summary>
    public bool HasUpdated;

    /// <summary>The <c>updated</c> value as UTF-8 text; empty when it is not a string.</summary>
    public ReadOnlySpan<byte> UpdatedText;

    /// <summary>The first key the record has more than once (its last value counts), if any.</summary>
    public string? RepeatedKey;
}
