using System;
using System.Runtime.CompilerServices;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CubePS.Storage;

namespace CubePS.Json;

/// <summary>What became of a record the reader was positioned on.</summary>
internal enum RecordOutcome
{
    /// <summary>Read; more records are wanted.</summary>
    Added,

    /// <summary>Read; no more records are wanted (-First is satisfied).</summary>
    Enough,

    /// <summary>The buffer ends inside the record: nothing was kept; read it again with more data.</summary>
    Incomplete,
}

/// <summary>Receives the records of a page.</summary>
internal interface IRecordSink
{
    /// <summary>
    /// Reads the record whose StartObject the reader is on, leaving the reader after its EndObject.
    /// <paramref name="buffer"/> is what the reader reads, for copying nested values out of it.
    /// </summary>
    RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer);
}

/// <summary>
/// Reads one customer record into a collection: every key into the schema, every value into the
/// spool with its JSON type kept (strings stay strings, integers become Int64, other numbers
/// Decimal or Double, nested objects and arrays compact JSON text), then applies -CustomerId,
/// -UpdatedSince, -Skip and -First.
/// </summary>
internal sealed class CustomerRecordWriter : IRecordSink
{
    private static readonly JsonWriterOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    private readonly CustomerCollection _collection;
    private readonly HashSet<long>? _customerIds;
    private readonly DateTime? _updatedSince;
    private byte[] _scratch = new byte[256];
    private MemoryStream? _nestedJson;

    public CustomerRecordWriter(CustomerCollection collection, IReadOnlyCollection<long>? customerIds)
    {
        _collection = collection;
        _customerIds = customerIds is { Count: > 0 } ? new HashSet<long>(customerIds) : null;
        _updatedSince = collection.Options.UpdatedSince;
    }

    /// <summary>True when records may be dropped for -CustomerId or -UpdatedSince.</summary>
    public bool HasFilters => _customerIds is not null || _updatedSince.HasValue;

    [MethodImpl(Jit.HotLoop)]
    public RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer)
    {
        var schema = _collection.Schema;
        var spool = _collection.Spool;

        long? customerId = null;
        var updated = UpdatedValue.Absent;
        DateTime updatedDate = default;
        Column? previous = null;

        spool.BeginRecord();
        while (true)
        {
            // Each Read returns false when the buffer ends first: drop the partial record.
            if (!reader.Read())
            {
                spool.CancelRecord();
                return RecordOutcome.Incomplete;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                break;
            }

            var column = schema.GetOrAdd(ReadKey(ref reader), previous);
            previous = column;
            if (!reader.Read())
            {
                spool.CancelRecord();
                return RecordOutcome.Incomplete;
            }

            var index = column.Index;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                {
                    var value = WriteString(ref reader, spool, index);
                    if (column.Role == ColumnRole.CustomerId && Utf8Parser.TryParse(value, out long parsedId, out var used) && used == value.Length)
                    {
                        customerId = parsedId;
                    }
                    else if (column.Role == ColumnRole.Updated && _updatedSince.HasValue)
                    {
                        updated = TryParseDate(value, out updatedDate) ? UpdatedValue.Date : UpdatedValue.NotADate;
                    }

                    break;
                }

                case JsonTokenType.Number:
                    if (reader.TryGetInt64(out var integer))
                    {
                        spool.AddInt64(index, integer);
                        if (column.Role == ColumnRole.CustomerId)
                        {
                            customerId = integer;
                        }
                    }
                    else if (!HasExponent(reader.ValueSpan) && reader.TryGetDecimal(out var exact))
                    {
                        // Plain decimal notation: Decimal keeps it exactly (1.10 stays 1.10).
                        spool.AddDecimal(index, exact);
                    }
                    else if (reader.TryGetDouble(out var approximate) && !double.IsInfinity(approximate))
                    {
                        spool.AddDouble(index, approximate);
                    }
                    else
                    {
                        // Beyond Double's range: keep the digits as text rather than lose them.
                        spool.AddString(index, reader.ValueSpan);
                    }

                    if (column.Role == ColumnRole.Updated && _updatedSince.HasValue)
                    {
                        updated = UpdatedValue.NotADate;
                    }

                    break;

                case JsonTokenType.True:
                case JsonTokenType.False:
                    spool.AddBoolean(index, reader.TokenType == JsonTokenType.True);
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
                        spool.CancelRecord();
                        return RecordOutcome.Incomplete;
                    }

                    spool.AddJson(index, Compact(buffer.Slice(start, (int)reader.BytesConsumed - start)));
                    break;
                }
            }
        }

        _collection.RecordsReceived++;
        if (!IsWanted(customerId, updated, updatedDate))
        {
            spool.CancelRecord();
            return RecordOutcome.Added;
        }

        if (_collection.SkippedCount < _collection.Options.Skip)
        {
            _collection.SkippedCount++;
            spool.CancelRecord();
            return RecordOutcome.Added;
        }

        if (updated == UpdatedValue.NotADate || (updated == UpdatedValue.Absent && _updatedSince.HasValue))
        {
            _collection.UndatedRecordsKept++;
        }

        spool.EndRecord();
        return _collection.IsFull ? RecordOutcome.Enough : RecordOutcome.Added;
    }

    private enum UpdatedValue
    {
        Absent,
        Date,
        NotADate,
    }

    /// <summary>
    /// Parses the date at the start of an <c>updated</c> value: yyyy-MM-dd as Cube sends it, with an
    /// optional time after it (ISO 8601 'T' or a space), which is then compared too.
    /// </summary>
    internal static bool TryParseDate(ReadOnlySpan<byte> utf8, out DateTime value)
    {
        value = default;
        if (utf8.Length < 10)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(utf8.ToArray()).Trim();
        if (text.Length == 10)
        {
            return DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
        }

        if (text[10] != 'T' && text[10] != ' ')
        {
            return false;
        }

        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value))
        {
            return false;
        }

        // A time with an offset is compared in local time, as -UpdatedSince is given.
        if (value.Kind == DateTimeKind.Utc)
        {
            value = value.ToLocalTime();
        }

        return true;
    }

    private bool IsWanted(long? customerId, UpdatedValue updated, DateTime updatedDate)
    {
        if (_customerIds is not null && (customerId is null || !_customerIds.Contains(customerId.Value)))
        {
            return false;
        }

        if (_updatedSince is { } since && updated == UpdatedValue.Date)
        {
            // Cube's updated value is a date: a record changed on the day of -UpdatedSince is kept,
            // so a nightly job may see a record twice but never misses one.
            var isDateOnly = updatedDate.TimeOfDay == TimeSpan.Zero;
            return isDateOnly ? updatedDate >= since.Date : updatedDate >= since;
        }

        // No filter on the date, or a record whose date is unknown: kept, never dropped unseen.
        return true;
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

    /// <summary>Writes a string value into the spool, validating its UTF-8; returns the stored bytes.</summary>
    private ReadOnlySpan<byte> WriteString(ref Utf8JsonReader reader, RecordSpool spool, int index)
    {
        if (!reader.ValueIsEscaped)
        {
            // CopyString validates the UTF-8 while it copies, straight into the spool.
            var space = spool.AddStringSpace(index, reader.ValueSpan.Length);
            reader.CopyString(space);
            return space;
        }

        var length = reader.CopyString(Scratch(reader.ValueSpan.Length));
        var unescaped = new ReadOnlySpan<byte>(_scratch, 0, length);
        spool.AddString(index, unescaped);
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

    /// <summary>A nested value as compact JSON text: whitespace dropped, non-ASCII letters kept as they are.</summary>
    private ReadOnlySpan<byte> Compact(ReadOnlySpan<byte> json)
    {
        if (json.Length == 2)
        {
            return json; // {} or [], the common case of more_info_fields.
        }

        _nestedJson ??= new MemoryStream();
        _nestedJson.SetLength(0);
        using (var writer = new Utf8JsonWriter(_nestedJson, CompactJson))
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(reader.GetString()!);
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(reader.GetString());
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }
            }
        }

        return new ReadOnlySpan<byte>(_nestedJson.GetBuffer(), 0, (int)_nestedJson.Length);
    }
}
