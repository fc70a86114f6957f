using System;
using CubePS.Storage;

namespace CubePS.Records;

/// <summary>
/// Encodes records into a chunk store, compactly: per value its column number (+1, as a varint),
/// a <see cref="ValueTag"/> and the value (UTF-8 text, a number's characters as sent, nothing for
/// a boolean or null), in the record's own key order; a 0 ends the record. Keys are column
/// numbers, so a record costs about what its values do. <see cref="RecordReader"/> reads it back.
/// </summary>
internal sealed class RecordWriter
{
    /// <summary>Ends a record where a column number would stand.</summary>
    internal const byte EndOfRecord = 0;

    private readonly ChunkStore _store;
    private int _recordStart;

    public RecordWriter(ChunkStore store) => _store = store;

    /// <summary>Records ended and not cancelled.</summary>
    public long RecordCount { get; private set; }

    public void BeginRecord() => _recordStart = _store.OpenLength;

    /// <summary>Drops the record begun last (one the filters did not keep, or one cut off by the end of a buffer).</summary>
    public void CancelRecord() => _store.TruncateOpen(_recordStart);

    public void EndRecord()
    {
        _store.GetSpan(1)[0] = EndOfRecord;
        _store.Advance(1);
        RecordCount++;
        _store.CloseChunkIfFull();
    }

    /// <summary>Takes the record count back to a mark (the store's own rollback drops the bytes).</summary>
    public void Rollback(long recordCount) => RecordCount = recordCount;

    public void AddString(int column, ReadOnlySpan<byte> utf8)
    {
        WriteHeader(column, ValueTag.String);
        WriteBytes(utf8);
    }

    /// <summary>Reserves room for a string value of <paramref name="length"/> UTF-8 bytes and returns it to be filled.</summary>
    public Span<byte> AddStringSpace(int column, int length)
    {
        WriteHeader(column, ValueTag.String);
        WriteVarint((uint)length);
        var span = _store.GetSpan(length);
        _store.Advance(length);
        return span;
    }

    /// <summary>A nested object or array, kept as compact JSON text.</summary>
    public void AddJson(int column, ReadOnlySpan<byte> utf8)
    {
        WriteHeader(column, ValueTag.Json);
        WriteBytes(utf8);
    }

    /// <summary>A JSON number, as the characters Cube sent.</summary>
    public void AddNumber(int column, ReadOnlySpan<byte> utf8)
    {
        WriteHeader(column, ValueTag.Number);
        WriteBytes(utf8);
    }

    /// <summary>A key present with the value null.</summary>
    public void AddNull(int column) => WriteHeader(column, ValueTag.Null);

    public void AddBoolean(int column, bool value) => WriteHeader(column, value ? ValueTag.True : ValueTag.False);

    private void WriteHeader(int column, ValueTag tag)
    {
        WriteVarint((uint)column + 1);
        _store.GetSpan(1)[0] = (byte)tag;
        _store.Advance(1);
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarint((uint)bytes.Length);
        bytes.CopyTo(_store.GetSpan(bytes.Length));
        _store.Advance(bytes.Length);
    }

    private void WriteVarint(uint value)
    {
        var span = _store.GetSpan(5);
        var length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        _store.Advance(length);
    }
}
