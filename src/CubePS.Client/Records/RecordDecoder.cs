using System;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace CubePS.Records;

/// <summary>
/// Decodes one customer record from the JSON reader into a <see cref="RecordWriter"/>: every key
/// into the schema, every value with its JSON type kept (strings stay strings, integers become
/// Int64, other numbers Decimal or Double, nested objects and arrays compact JSON text). It picks
/// out what the selection needs (<see cref="RecordFacts"/>) and decides nothing itself.
/// </summary>
internal sealed class RecordDecoder
{
    private readonly RecordSchema _schema;
    private readonly RecordWriter _writer;
    private readonly NestedJson _nested = new();
    private byte[] _scratch = new byte[256];

    public RecordDecoder(RecordSchema schema, RecordWriter writer)
    {
        _schema = schema;
        _writer = writer;
    }

    /// <summary>
    /// Decodes the record whose StartObject the reader is on into the record the writer has begun.
    /// Returns false, with the reader where it was, when the buffer ends inside the record.
    /// </summary>
    [MethodImpl(JitHints.HotLoop)]
    public bool TryDecode(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer, out RecordFacts facts)
    {
        facts = default;
        Column? previous = null;
        while (true)
        {
            // Each Read returns false when the buffer ends first.
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                return true;
            }

            var column = _schema.GetOrAdd(ReadKey(ref reader), previous);
            previous = column;
            if (!reader.Read())
            {
                return false;
            }

            var index = column.Index;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                {
                    var value = WriteString(ref reader, index);
                    if (column.Role == ColumnRole.CustomerId && Utf8Parser.TryParse(value, out long parsedId, out var used) && used == value.Length)
                    {
                        facts.CustomerId = parsedId;
                    }
                    else if (column.Role == ColumnRole.Updated)
                    {
                        facts.HasUpdated = true;
                        facts.UpdatedText = reader.ValueIsEscaped ? value.ToArray() : value;
                    }

                    break;
                }

                case JsonTokenType.Number:
                    if (reader.TryGetInt64(out var integer))
                    {
                        _writer.AddInt64(index, integer);
                        if (column.Role == ColumnRole.CustomerId)
                        {
                            facts.CustomerId = integer;
                        }
                    }
                    else if (!HasExponent(reader.ValueSpan) && reader.TryGetDecimal(out var exact))
                    {
                        // Plain decimal notation: Decimal keeps it exactly (1.10 stays 1.10).
                        _writer.AddDecimal(index, exact);
                    }
                    else if (reader.TryGetDouble(out var approximate) && !double.IsInfinity(approximate))
                    {
                        _writer.AddDouble(index, approximate);
                    }
                    else
                    {
                        // Beyond Double's range: keep the digits as text rather than lose them.
                        _writer.AddString(index, reader.ValueSpan);
                    }

                    if (column.Role == ColumnRole.Updated)
                    {
                        facts.HasUpdated = true;
                        facts.UpdatedText = default;
                    }

                    break;

                case JsonTokenType.True:
                case JsonTokenType.False:
                    _writer.AddBoolean(index, reader.TokenType == JsonTokenType.True);
                    if (column.Role == ColumnRole.Updated)
                    {
                        facts.HasUpdated = true;
                        facts.UpdatedText = default;
                    }

                    break;

                case JsonTokenType.Null:
                    // A null is stored as nothing; the key is in the schema all the same.
                    break;

                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                {
                    var start = (int)reader.TokenStartIndex;
                    if (!reader.TrySkip())
                    {
                        return false;
                    }

                    _writer.AddJson(index, _nested.Compact(buffer.Slice(start, (int)reader.BytesConsumed - start)));
                    if (column.Role == ColumnRole.Updated)
                    {
                        facts.HasUpdated = true;
                        facts.UpdatedText = default;
                    }

                    break;
                }
            }
        }
    }

    /// <summary>Decimal would turn 1e-300 into 0; numbers in exponent notation are Double.</summary>
    private static bool HasExponent(ReadOnlySpan<byte> number) => number.IndexOfAny((byte)'e', (byte)'E') >= 0;

    private ReadOnlySpan<byte> ReadKey(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        var length = reader.CopyString(Scratch(reader.ValueSpan.Length));
        return new ReadOnlySpan<byte>(_scratch, 0, length);
    }

    /// <summary>Writes a string value, validating its UTF-8; returns the stored bytes.</summary>
    private ReadOnlySpan<byte> WriteString(ref Utf8JsonReader reader, int index)
    {
        if (!reader.ValueIsEscaped)
        {
            // CopyString validates the UTF-8 while it copies, straight into the store.
            var space = _writer.AddStringSpace(index, reader.ValueSpan.Length);
            reader.CopyString(space);
            return space;
        }

        var length = reader.CopyString(Scratch(reader.ValueSpan.Length));
        var unescaped = new ReadOnlySpan<byte>(_scratch, 0, length);
        _writer.AddString(index, unescaped);
        return unescaped;
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        return _scratch;
    }
}
