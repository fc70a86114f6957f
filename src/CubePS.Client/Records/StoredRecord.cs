namespace CubePS.Records;

/// <summary>One stored value of a record: its column, its tag, and where its bytes are.</summary>
internal struct StoredField
{
    public int Column;

    public ValueTag Tag;

    /// <summary>Where the value's bytes (UTF-8 text, a number's characters, compact JSON) start in <see cref="StoredRecord.Raw"/>; nothing for booleans and null.</summary>
    public int Offset;

    public int Length;
}

/// <summary>
/// A record as it is stored, without turning anything into .NET values: its fields in the order
/// Cube sent the keys. Reused for the next record, so valid only until the enumeration moves on.
/// </summary>
internal sealed class StoredRecord
{
    private StoredField[] _fields = new StoredField[64];

    /// <summary>The chunk the field offsets point into.</summary>
    public byte[] Raw { get; set; } = System.Array.Empty<byte>();

    public int Count { get; private set; }

    public StoredField[] Fields => _fields;

    public void Clear() => Count = 0;

    public void Add(StoredField field)
    {
        if (Count == _fields.Length)
        {
            System.Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[Count++] = field;
    }
}
