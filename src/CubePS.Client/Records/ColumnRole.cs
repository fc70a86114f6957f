namespace CubePS.Records;

/// <summary>What CubePS does with a column's values besides storing them.</summary>
internal enum ColumnRole
{
    None,

    /// <summary><c>customer_id</c>, matched by -CustomerId.</summary>
    CustomerId,

    /// <summary><c>updated</c>, compared by -UpdatedSince.</summary>
    Updated,
}
