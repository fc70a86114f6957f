using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CubePS.Errors;
using CubePS.Pages;

namespace CubePS.Records;

/// <summary>
/// Decodes one customer record from the JSON reader into a <see cref="RecordWriter"/>: every key
/// into the schema, every value with its JSON type (strings as text, numbers as the characters
/// Cube sent, nested objects and arrays as compact JSON text, nulls as present-but-null). It picks
/// out what the selection needs (<see cref="RecordFacts"/>) and decides nothing itself.
/// </summary>
internal sealed class RecordDecoder
{
    private readonly RecordSchema _schema;
    private readonly RecordWriter _writer;
    private readonly NestedJson _nested = new();
    private byte[] _scratch = new byte[256];

    // For each column, the decode in which it last had a value: a key seen twice in one record
    // is found with one array read per value.
    private int[] _lastDecode = new int[64];
    private int _decode;

    public RecordDecoder(RecordSchema schema, RecordWriter writer)
    {
        _schema = schema;
        _writer = writer;
    }

    /// <summary>
    /// Decodes the record whose StartObject the reader is on into the record the writer has begun.
    /// Returns false when the buffer ends inside the record. Throws InvalidRecordException, naming
    /// the key, for a value that cannot be read.
    /// </summary>
    [MethodImpl(JitHints.HotLoop)]
    public bool TryDecode(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer, out RecordFacts facts)
    {
        facts = default;
        Column? previous = null;
        if (++_decode == 0)
        {
            // After four billion records the stamps start again, none left over from before.
            Array.Clear(_lastDecode, 0, _lastDecode.Length);
            _decode = 1;
        }

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
            NoteKey(column, ref facts);
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                {
                    if (column.Role == ColumnRole.CustomerId && !reader.ValueIsEscaped)
                    {
                        // Before it is stored; an escaped one is checked once unescaped, below.
                        CheckCustomerIdLength(reader.ValueSpan);
                    }

                    var value = WriteString(ref reader, index, column);
                    if (column.Role == ColumnRole.CustomerId)
                    {
                        CheckCustomerIdLength(value);
                        if (JsonNumber.TryGetWholeInt64(value, out var parsedId))
                        {
                            facts.CustomerId = parsedId;
                        }
                        else
                        {
                            facts.OtherCustomerId = Encoding.UTF8.GetString(value.ToArray());
                        }
                    }
                    else if (column.Role == ColumnRole.Updated)
                    {
                        facts.HasUpdated = true;
                        facts.UpdatedText = reader.ValueIsEscaped ? value.ToArray() : value;
                    }

                    break;
                }

                case JsonTokenType.Number:
                {
                    var digits = reader.ValueSpan;
                    _writer.AddNumber(index, digits);
                    if (column.Role == ColumnRole.CustomerId)
                    {
                        CheckCustomerIdLength(digits);
                        if (JsonNumber.TryGetWholeInt64(digits, out var id))
                        {
                            facts.CustomerId = id;
                        }
                        else
                        {
                            facts.OtherCustomerId = Encoding.UTF8.GetString(digits.ToArray());
                        }
                    }

                    MarkNotADate(column, ref facts);
                    break;
                }

                case JsonTokenType.True:
                case JsonTokenType.False:
                    _writer.AddBoolean(index, reader.TokenType == JsonTokenType.True);
                    MarkNotADate(column, ref facts);
                    break;

                case JsonTokenType.Null:
                    _writer.AddNull(index);
                    break;

                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                {
                    var start = (int)reader.TokenStartIndex;
                    if (!SkipNested(ref reader, column))
                    {
                        return false;
                    }

                    _writer.AddJson(index, CompactNested(buffer.Slice(start, (int)reader.BytesConsumed - start), column));
                    MarkNotADate(column, ref facts);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Notes a key the record had before. Its values are all stored; what reads them keeps the
    /// last, as ConvertFrom-Json does, and JSON Lines writes the record as Cube sent it.
    /// </summary>
    private void NoteKey(Column column, ref RecordFacts facts)
    {
        var index = column.Index;
        if (index >= _lastDecode.Length)
        {
            Array.Resize(ref _lastDecode, Math.Max(index + 1, _lastDecode.Length * 2));
        }

        if (_lastDecode[index] == _decode)
        {
            facts.RepeatedKey ??= column.Key;
        }

        _lastDecode[index] = _decode;
    }

    /// <summary>
    /// A customer_id stays for the whole read (to find a customer sent twice): one of megabytes is
    /// no id, and is refused before it is kept anywhere.
    /// </summary>
    private static void CheckCustomerIdLength(ReadOnlySpan<byte> id)
    {
        if (id.Length > RecordLimits.MaximumCustomerIdBytes)
        {
            throw new InvalidRecordException(string.Format(CultureInfo.InvariantCulture, "its customer_id ('{0}') is longer than the {1:N0} bytes (UTF-8) CubePS takes for a customer_id; Cube's are integers.", ServerText.Quote(id), RecordLimits.MaximumCustomerIdBytes));
        }
    }

    private static void MarkNotADate(Column column, ref RecordFacts facts)
    {
        if (column.Role == ColumnRole.Updated)
        {
            facts.HasUpdated = true;
            facts.UpdatedText = default;
        }
    }

    private static InvalidRecordException TooDeep(Column column) =>
        new(string.Format(CultureInfo.InvariantCulture, "the value of '{0}' is nested deeper than CubePS reads: {1} levels in all, counting the page and the record around it.", ServerText.Quote(column.Key), JsonLimits.MaxDepth));

    private static bool SkipNested(ref Utf8JsonReader reader, Column column)
    {
        try
        {
            return reader.TrySkip();
        }
        catch (JsonException) when (reader.CurrentDepth >= JsonLimits.MaxDepth - 1)
        {
            throw TooDeep(column);
        }
    }

    private ReadOnlySpan<byte> CompactNested(ReadOnlySpan<byte> json, Column column)
    {
        try
        {
            return _nested.Compact(json);
        }
        catch (InvalidOperationException)
        {
            throw new InvalidRecordException(string.Format(CultureInfo.InvariantCulture, "a string inside the value of '{0}' {1}.", ServerText.Quote(column.Key), TextProblem.Describe(json)));
        }
    }

    private ReadOnlySpan<byte> ReadKey(ref Utf8JsonReader reader)
    {
        try
        {
            if (!reader.ValueIsEscaped)
            {
                // Validated as UTF-8 when the key is first added to the schema.
                return reader.ValueSpan;
            }

            var length = reader.CopyString(Scratch(reader.ValueSpan.Length));
            return new ReadOnlySpan<byte>(_scratch, 0, length);
        }
        catch (InvalidOperationException)
        {
            throw new InvalidRecordException("a key " + TextProblem.Describe(reader.ValueSpan) + ".");
        }
    }

    /// <summary>Writes a string value, validating its UTF-8; returns the stored bytes.</summary>
    private ReadOnlySpan<byte> WriteString(ref Utf8JsonReader reader, int index, Column column)
    {
        try
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
        catch (InvalidOperationException)
        {
            throw new InvalidRecordException(string.Format(CultureInfo.InvariantCulture, "the value of '{0}' {1}.", ServerText.Quote(column.Key), TextProblem.Describe(reader.ValueSpan)));
        }
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
