namespace CubePS.Records;

/// <summary>The type of a stored value: one byte after its column number in the record encoding.</summary>
internal enum ValueTag : byte
{
    String = 1,
    Int64 = 2,
    Decimal = 3,
    Double = 4,
    True = 5,
    False = 6,
    Json = 7,
}
