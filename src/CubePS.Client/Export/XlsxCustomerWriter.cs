using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Data;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Errors;
using CubePS.Records;
using MiniExcelLibs;
using MiniExcelLibs.OpenXml;

namespace CubePS.Export;

/// <summary>
/// Writes customers as an .xlsx workbook with MiniExcel, a row at a time: one worksheet, the
/// header row frozen with an autofilter on it. Text stays a text cell (leading zeros, +47, long
/// organisation numbers survive Excel); numbers are numbers, except those Excel cannot hold
/// exactly (more than 15 significant digits), which stay text; booleans are booleans; null is an
/// empty cell. Line breaks are Excel's (a line feed).
/// </summary>
internal static class XlsxCustomerWriter
{
    /// <summary>The rows a worksheet holds, the header included.</summary>
    public const int MaximumRows = 1_048_576;

    /// <summary>The columns a worksheet holds.</summary>
    public const int MaximumColumns = 16_384;

    /// <summary>The characters a cell holds.</summary>
    public const int MaximumCellLength = 32_767;

    /// <summary>The significant digits an Excel number keeps.</summary>
    private const int ExcelDigits = 15;

    public static long Write(Stream output, IReadOnlyList<string> header, IEnumerable<StoredRecord> records, long recordCount, Action<long>? progress, CancellationToken cancellationToken)
    {
        if (recordCount + 1 > MaximumRows)
        {
            throw Full(string.Format(CultureInfo.InvariantCulture, "{0:N0} customers do not fit in one worksheet, which holds {1:N0} rows below its header.", recordCount, MaximumRows - 1));
        }

        if (header.Count > MaximumColumns)
        {
            throw Full(string.Format(CultureInfo.InvariantCulture, "The customers have {0:N0} different fields; a worksheet holds {1:N0} columns.", header.Count, MaximumColumns));
        }

        foreach (var name in header)
        {
            if (name.Length > MaximumCellLength)
            {
                throw Full(string.Format(CultureInfo.InvariantCulture, "A field name of {0:N0} characters (starting '{1}') does not fit in a header cell, which holds {2:N0}.", name.Length, name.Substring(0, 20), MaximumCellLength));
            }
        }

        var configuration = new OpenXmlConfiguration
        {
            AutoFilter = true,
            FreezeRowCount = 1,
            EnableWriteNullValueCell = true,
            TrimColumnNames = false,

            // Cube sends no binary values, and measuring every cell for column widths costs more
            // than writing it: both off, and a larger buffer, save about a tenth of the write.
            EnableConvertByteArray = false,
            EnableAutoWidth = false,
            BufferSize = 1024 * 1024,

            // Never read a value as the path of a file to put in the workbook.
            EnableWriteFilePath = false,
            Culture = CultureInfo.InvariantCulture,
        };
        using var reader = new RecordDataReader(header, records, progress, cancellationToken);
        MiniExcel.SaveAs(output, reader, printHeader: true, sheetName: "Customers", excelType: ExcelType.XLSX, configuration: configuration);
        return reader.Rows;
    }

    private static CubeException Full(string problem) =>
        new(CubeErrorIds.WorksheetLimit, CubeErrorCategory.LimitsExceeded, problem + " Export to .csv or .jsonl instead, or select fewer customers.")
        {
            RecommendedAction = "Use -Format Csv or -Format JsonLines, or split the export.",
        };

    /// <summary>A value as its cell should hold it.</summary>
    private static object? CellValue(byte[] raw, StoredField field, string column, long row)
    {
        switch (field.Tag)
        {
            case ValueTag.String:
            case ValueTag.Json:
                var text = ExcelLineBreaks(Encoding.UTF8.GetString(raw, field.Offset, field.Length));
                if (text.Length > MaximumCellLength)
                {
                    throw Full(string.Format(CultureInfo.InvariantCulture, "The value of '{0}' of customer {1:N0} has {2:N0} characters; an Excel cell holds {3:N0}.", column, row, text.Length, MaximumCellLength));
                }

                return text;
            case ValueTag.Number:
                var number = new ReadOnlySpan<byte>(raw, field.Offset, field.Length);
                if (SignificantDigits(number) > ExcelDigits)
                {
                    // Excel would round it: the digits as Cube sent them, as text.
                    return Encoding.ASCII.GetString(raw, field.Offset, field.Length);
                }

                return JsonNumber.ToValue(number) switch
                {
                    BigInteger integer => (double)integer,
                    var value => value,
                };
            case ValueTag.True:
                return true;
            case ValueTag.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>
    /// A line break in a cell is a line feed. MiniExcel writes a carriage return as it is, which
    /// every XML reader turns into a line feed anyway: the sheet says so by holding one.
    /// </summary>
    private static string ExcelLineBreaks(string text) =>
        text.IndexOf('\r') < 0 ? text : text.Replace("\r\n", "\n").Replace('\r', '\n');

    /// <summary>The digits of a JSON number's mantissa from its first non-zero one: 0.0120 has 3, 1.5e300 has 2.</summary>
    private static int SignificantDigits(ReadOnlySpan<byte> number)
    {
        var digits = 0;
        foreach (var c in number)
        {
            if (c is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (c is >= (byte)'1' and <= (byte)'9' || (c == (byte)'0' && digits > 0))
            {
                digits++;
            }
        }

        return digits;
    }

    /// <summary>
    /// The stored records as the data reader MiniExcel reads rows from. The rows' values are made
    /// on another thread a few hundred rows ahead, while MiniExcel turns the previous ones into
    /// XML, so the two share the machine's cores instead of taking turns.
    /// </summary>
    private sealed class RecordDataReader : IDataReader
    {
        private const int RowsAhead = 256;

        private readonly IReadOnlyList<string> _header;
        private readonly RowCounter _written;
        private readonly CancellationToken _cancellationToken;
        private readonly BlockingCollection<object?[]> _rows = new(RowsAhead);
        private readonly ConcurrentBag<object?[]> _spare = new();
        private readonly CancellationTokenSource _stop;
        private readonly Task _producer;
        private object?[] _values;

        public RecordDataReader(IReadOnlyList<string> header, IEnumerable<StoredRecord> records, Action<long>? progress, CancellationToken cancellationToken)
        {
            _header = header;
            _written = new RowCounter(progress, cancellationToken);
            _cancellationToken = cancellationToken;
            _values = new object?[header.Count];
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _producer = Task.Factory.StartNew(() => Produce(records), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        public long Rows => _written.Rows;

        public int FieldCount => _header.Count;

        public int Depth => 0;

        public bool IsClosed { get; private set; }

        public int RecordsAffected => -1;

        public object this[int i] => GetValue(i);

        public object this[string name] => GetValue(GetOrdinal(name));

        public bool Read()
        {
            if (Rows > 0)
            {
                _spare.Add(_values);
            }

            if (!_rows.TryTake(out var next, Timeout.Infinite, _cancellationToken))
            {
                // Every row is taken: surface what went wrong while they were made, if anything.
                _producer.GetAwaiter().GetResult();
                return false;
            }

            _values = next;
            _written.Add();

            return true;
        }

        public void Close() => IsClosed = true;

        public void Dispose()
        {
            IsClosed = true;
            _stop.Cancel();
            try
            {
                _producer.Wait();
            }
            catch (AggregateException)
            {
                // Reported through Read, or nobody is listening any more.
            }

            _stop.Dispose();
            _rows.Dispose();
        }

        private void Produce(IEnumerable<StoredRecord> records)
        {
            try
            {
                long row = 0;
                foreach (var record in records)
                {
                    row++;
                    if (!_spare.TryTake(out var values))
                    {
                        values = new object?[_header.Count];
                    }
                    else
                    {
                        Array.Clear(values, 0, values.Length);
                    }

                    for (var f = 0; f < record.Count; f++)
                    {
                        var field = record.Fields[f];
                        values[field.Column] = CellValue(record.Raw, field, _header[field.Column], row);
                    }

                    _rows.Add(values, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // MiniExcel stopped reading, or the call was stopped.
            }
            finally
            {
                _rows.CompleteAdding();
            }
        }

        public string GetName(int i) => ExcelLineBreaks(_header[i]);

        public int GetOrdinal(string name)
        {
            for (var i = 0; i < _header.Count; i++)
            {
                if (string.Equals(GetName(i), name, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        public object GetValue(int i) => _values[i]!;

        public bool IsDBNull(int i) => _values[i] is null;

        public Type GetFieldType(int i) => typeof(object);

        public string GetDataTypeName(int i) => "object";

        public int GetValues(object[] values)
        {
            var count = Math.Min(values.Length, _values.Length);
            Array.Copy(_values, values, count);
            return count;
        }

        public bool NextResult() => false;

        public DataTable? GetSchemaTable() => null;

        public bool GetBoolean(int i) => (bool)GetValue(i);

        public byte GetByte(int i) => throw new NotSupportedException();

        public long GetBytes(int i, long fieldOffset, byte[]? buffer, int bufferoffset, int length) => throw new NotSupportedException();

        public char GetChar(int i) => throw new NotSupportedException();

        public long GetChars(int i, long fieldoffset, char[]? buffer, int bufferoffset, int length) => throw new NotSupportedException();

        public IDataReader GetData(int i) => throw new NotSupportedException();

        public DateTime GetDateTime(int i) => throw new NotSupportedException();

        public decimal GetDecimal(int i) => (decimal)GetValue(i);

        public double GetDouble(int i) => (double)GetValue(i);

        public float GetFloat(int i) => throw new NotSupportedException();

        public Guid GetGuid(int i) => throw new NotSupportedException();

        public short GetInt16(int i) => throw new NotSupportedException();

        public int GetInt32(int i) => throw new NotSupportedException();

        public long GetInt64(int i) => (long)GetValue(i);

        public string GetString(int i) => (string)GetValue(i);
    }
}
