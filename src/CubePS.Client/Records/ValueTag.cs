namespace CubePS.Records;

/// <summary>The type of a stored value: one byte after its column number in the record encoding.</summary>
internal enum ValueTag : byte
{
    /// <summary>Text, as UTF-8 (JSON escapes undone).</summary>
    String = 1,

    /// <summary>A JSON number, as the exact characters Cube sent; turned into a .NET number only when read.</summary>
    Number = 2,

    True = 3,

    False = 4,

    /// <summary>A nested object or array, as compact JSON text.</summary>
    Json = 5,

    /// <summary>A key whose value is null: nothing to show, but the record has the key.</summary>
    Null = 6,
}
