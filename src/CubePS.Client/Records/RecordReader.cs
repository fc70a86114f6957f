using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using CubePS.Storage;

namespace CubePS.Records;

/// <summary>Reads back the records <see cref="RecordWriter"/> encoded, as values by column.</summary>
internal static class RecordReader
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Every record of <paramref name="store"/>, in order. Each is written into
    /// <paramref name="values"/>, indexed by column, with null where the record has no value;
    /// the same array is reused for the next record.
    /// </summary>
    public static IEnumerable<object?[]> Read(ChunkStore store, object?[] values)
    {
        foreach (var chunk in store.ReadChunks())
        {
            var raw = chunk.Array!;
            var position = chunk.Offset;
            var end = chunk.Offset + chunk.Count;
            while (position < end)
            {
                position = ReadRecord(raw, position, values);
                yield return values;
            }
        }
    }

    /// <summary>
    /// Every record of <paramref name="store"/>, in order, as its stored fields (for writing them
    /// out without making .NET values first). The same object is reused for the next record.
    /// </summary>
    public static IEnumerable<StoredRecord> ReadFields(ChunkStore store)
    {
        var record = new StoredRecord();
        foreach (var chunk in store.ReadChunks())
        {
            record.Raw = chunk.Array!;
            var position = chunk.Offset;
            var end = chunk.Offset + chunk.Count;
            while (position < end)
            {
                position = ReadFields(chunk.Array!, position, record);
                yield return record;
            }
        }
    }

    [MethodImpl(JitHints.HotLoop)]
    private static int ReadFields(byte[] raw, int position, StoredRecord record)
    {
        record.Clear();
        while (true)
        {
            var columnPlusOne = (int)ReadVarint(raw, ref position);
            if (columnPlusOne == RecordWriter.EndOfRecord)
            {
                return position;
            }

            var field = new StoredField { Column = columnPlusOne - 1, Tag = (ValueTag)raw[position++] };
            if (field.Tag is ValueTag.String or ValueTag.Json or ValueTag.Number)
            {
                field.Length = (int)ReadVarint(raw, ref position);
                field.Offset = position;
                position += field.Length;
            }

            record.Add(field);
        }
    }

    /// <summary>Decodes the record at <paramref name="position"/> into <paramref name="values"/>; returns where the next one starts.</summary>
    [MethodImpl(JitHints.HotLoop)]
    private static int ReadRecord(byte[] raw, int position, object?[] values)
    {
        Array.Clear(values, 0, values.Length);
        while (true)
        {
            var columnPlusOne = (int)ReadVarint(raw, ref position);
            if (columnPlusOne == RecordWriter.EndOfRecord)
            {
                return position;
            }

            values[columnPlusOne - 1] = ReadValue(raw, ref position);
        }
    }

    private static object? ReadValue(byte[] raw, ref int position)
    {
        var tag = (ValueTag)raw[position++];
        switch (tag)
        {
            case ValueTag.String:
            case ValueTag.Json:
            {
                var length = (int)ReadVarint(raw, ref position);
                var text = length == 0 ? string.Empty : Utf8.GetString(raw, position, length);
                position += length;
                return text;
            }

            case ValueTag.Number:
            {
                var length = (int)ReadVarint(raw, ref position);
                var value = JsonNumber.ToValue(new ReadOnlySpan<byte>(raw, position, length));
                position += length;
                return value;
            }

            case ValueTag.True:
                return true;
            case ValueTag.False:
                return false;
            case ValueTag.Null:
                return null;
            default:
                throw new InvalidOperationException("A stored record is damaged: unknown value tag " + (byte)tag + ".");
        }
    }

    private static uint ReadVarint(byte[] raw, ref int position)
    {
        uint value = 0;
        var shift = 0;
        while (true)
        {
            var b = raw[position++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }
}
