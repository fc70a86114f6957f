using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using CubePS.Errors;
using CubePS.Records;

namespace CubePS.Export;

/// <summary>
/// Writes customers as an .xlsx workbook, forward only, straight from the stored records: one
/// worksheet, the header row frozen with an autofilter on it. Text is a real string cell (an
/// inline string; see <see cref="XlsxText"/> for how its characters are written), so every reader
/// decodes it the same way and leading zeros, +47 and long organisation numbers survive Excel;
/// numbers are numbers, except those Excel cannot hold exactly (more than 15 significant digits,
/// or beyond a Double's range), which stay text; booleans are booleans; null is an empty cell.
/// The parts are written with the runtime's own ZipArchive and nothing else, and never seek, so a
/// pipe or a terminal takes the workbook as a file does.
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

    private const string SheetName = "Customers";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The characters a header shows as a control picture (see <see cref="HeaderNames"/>).</summary>
    private static readonly char[] Unshowable = MakeUnshowable();

    /// <summary>Writes the workbook; returns the rows written (the header not counted) and the bytes.</summary>
    public static (long Rows, long Bytes) Write(Stream output, IReadOnlyList<string> header, int customerIdColumn, IEnumerable<StoredRecord> records, long recordCount, Action<long>? progress, CancellationToken cancellationToken)
    {
        if (recordCount + 1 > MaximumRows)
        {
            throw TooManyRows(string.Format(CultureInfo.InvariantCulture, "{0:N0} customers do not fit in one worksheet, which holds {1:N0} rows below its header.", recordCount, MaximumRows - 1));
        }

        if (header.Count > MaximumColumns)
        {
            throw TooWide(string.Format(CultureInfo.InvariantCulture, "The customers have {0:N0} different fields; a worksheet holds {1:N0} columns.", header.Count, MaximumColumns));
        }

        header = HeaderNames(header);
        foreach (var name in header)
        {
            if (name.Length > MaximumCellLength)
            {
                throw TooWide(string.Format(CultureInfo.InvariantCulture, "A field name of {0:N0} characters (starting '{1}') does not fit in a header cell, which holds {2:N0}.", name.Length, name.Substring(0, 20), MaximumCellLength));
            }
        }

        var counting = new CountingStream(output);
        try
        {
            long rows;
            using (var zip = new ZipArchive(counting, ZipArchiveMode.Create, leaveOpen: true))
            {
                WritePart(zip, "[Content_Types].xml", ContentTypes);
                WritePart(zip, "_rels/.rels", PackageRelationships);
                WritePart(zip, "xl/_rels/workbook.xml.rels", WorkbookRelationships);
                WritePart(zip, "xl/styles.xml", Styles);

                var shared = new SharedStrings();
                // The XML is made on this thread, compressed and written on another.
                using (var sheet = new Utf8Output(new HandOffStream(zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.Fastest).Open()), Utf8))
                {
                    rows = new SheetWriter(sheet, header, customerIdColumn, shared).Write(records, progress, cancellationToken);
                }

                using (var strings = new Utf8Output(zip.CreateEntry("xl/sharedStrings.xml", CompressionLevel.Fastest).Open(), Utf8))
                {
                    shared.Write(strings);
                }

                WritePart(zip, "xl/workbook.xml", Workbook(header.Count, rows));
            }

            counting.Flush();
            return (rows, counting.BytesWritten);
        }
        catch (Exception) when (counting.Abandon())
        {
            // Never reached: the filter runs before the usings above dispose the archive, so its
            // end and the entries' last blocks go nowhere instead of following the failure into
            // the target (or failing themselves and hiding it).
            throw;
        }
    }

    /// <summary>
    /// The header row: the property names (the keys, but for those PowerShell renames), each
    /// character a cell cannot show as sent replaced by its Unicode control picture: a carriage
    /// return becomes ␍ (LibreOffice turns a CR LF in a cell into a line feed, so keys that differ
    /// only in their line break would read alike) and another control character ␀ to ␟ (openpyxl
    /// shows those as escapes). Tab and line feed stay. A name that then equals an earlier one,
    /// ignoring case as PowerShell does, gets the first free suffix _2, _3, ...: distinct keys
    /// always give distinct headers.
    /// </summary>
    internal static IReadOnlyList<string> HeaderNames(IReadOnlyList<string> names)
    {
        var shown = new string[names.Count];
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (name.IndexOfAny(Unshowable) >= 0)
            {
                var builder = new StringBuilder(name.Length);
                foreach (var c in name)
                {
                    builder.Append(c is < ' ' and not '\t' and not '\n' ? (char)(0x2400 + c) : c);
                }

                name = builder.ToString();
            }

            var unique = name;
            for (var suffix = 2; !taken.Add(unique); suffix++)
            {
                unique = name + "_" + suffix.ToString(CultureInfo.InvariantCulture);
            }

            shown[i] = unique;
        }

        return shown;
    }

    private static char[] MakeUnshowable()
    {
        var characters = new List<char>();
        for (var c = '\0'; c < ' '; c++)
        {
            if (c is not '\t' and not '\n')
            {
                characters.Add(c);
            }
        }

        return characters.ToArray();
    }

    private static CubeException TooManyRows(string problem) =>
        new(CubeErrorIds.WorksheetLimit, CubeErrorCategory.LimitsExceeded, problem + " Export to .csv or .jsonl instead, or select fewer customers.")
        {
            RecommendedAction = "Use -Format Csv or -Format JsonLines, or split the export (-First and -Skip, or fewer assignments per file).",
        };

    // The columns come from the keys of every record Cube sent, so selecting fewer customers does not help.
    private static CubeException TooWide(string problem) =>
        new(CubeErrorIds.WorksheetLimit, CubeErrorCategory.LimitsExceeded, problem + " A worksheet cannot hold these fields: export to .csv or .jsonl instead.")
        {
            RecommendedAction = "Use -Format Csv or -Format JsonLines.",
        };

    private static CubeException ValueTooLong(string column, object? customerId, long row, int length) =>
        new(
            CubeErrorIds.WorksheetLimit,
            CubeErrorCategory.LimitsExceeded,
            string.Format(
                CultureInfo.InvariantCulture,
                "The value of '{0}' of {1} has {2:N0} characters; an Excel cell holds {3:N0}. Nothing was cut: export to .csv or .jsonl, which hold it whole.",
                column,
                customerId is null ? string.Format(CultureInfo.InvariantCulture, "customer {0:N0} of the export (it has no customer_id)", row + 1) : "customer_id " + Convert.ToString(customerId, CultureInfo.InvariantCulture),
                length,
                MaximumCellLength),
            customerId)
        {
            RecommendedAction = "Use -Format Csv or -Format JsonLines (a .csv or .jsonl path): they hold values of any length.",
        };

    private static void WritePart(ZipArchive zip, string name, string xml)
    {
        using var part = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        var bytes = Utf8.GetBytes(xml);
        part.Write(bytes, 0, bytes.Length);
    }

    /// <summary>The column's letters: A to Z, AA to XFD.</summary>
    internal static string ColumnName(int index)
    {
        var name = string.Empty;
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }

        return name;
    }

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
    /// True when a number cell holds the JSON number exactly as Excel would show it: at most 15
    /// significant digits, and an exponent that keeps it within a Double (1e400 is not infinity,
    /// 1e-400 not zero).
    /// </summary>
    private static bool IsExcelNumber(ReadOnlySpan<byte> number)
    {
        var digits = SignificantDigits(number);
        if (digits > ExcelDigits)
        {
            return false;
        }

        if (number.IndexOfAny((byte)'e', (byte)'E') < 0)
        {
            return true;
        }

        var value = double.Parse(Encoding.ASCII.GetString(number.ToArray()), NumberStyles.Float, CultureInfo.InvariantCulture);
        return !double.IsInfinity(value) && (value != 0 || digits == 0);
    }

    private static string Workbook(int columns, long rows)
    {
        var filter = columns == 0
            ? string.Empty
            : string.Format(CultureInfo.InvariantCulture, "<definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">{0}!$A$1:${1}${2}</definedName></definedNames>", SheetName, ColumnName(columns - 1), rows + 1);
        return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<bookViews><workbookView/></bookViews>"
            + "<sheets><sheet name=\"" + SheetName + "\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
            + filter
            + "</workbook>";
    }

    private const string ContentTypes =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        + "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
        + "</Types>";

    private const string PackageRelationships =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>";

    private const string WorkbookRelationships =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        + "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        + "</Relationships>";

    /// <summary>Excel's defaults, and a second cell format with a bold font for the header row.</summary>
    private const string Styles =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>";

    /// <summary>The worksheet part: the header row, then a row per record.</summary>
    private sealed class SheetWriter
    {
        private readonly Utf8Output _output;
        private readonly IReadOnlyList<string> _header;
        private readonly int _customerIdColumn;
        private readonly SharedStrings _shared;
        private readonly byte[][] _columnNames;
        private readonly byte[] _row = new byte[12];
        private int _rowLength;

        public SheetWriter(Utf8Output output, IReadOnlyList<string> header, int customerIdColumn, SharedStrings shared)
        {
            _output = output;
            _header = header;
            _customerIdColumn = customerIdColumn;
            _shared = shared;
            _columnNames = new byte[header.Count][];
            for (var i = 0; i < header.Count; i++)
            {
                _columnNames[i] = Encoding.ASCII.GetBytes(ColumnName(i));
            }
        }

        public long Write(IEnumerable<StoredRecord> records, Action<long>? progress, CancellationToken cancellationToken)
        {
            _output.Write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"u8);
            _output.Write("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"u8);
            _output.Write("<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>"u8);
            _output.Write("<sheetFormatPr defaultRowHeight=\"15\"/><sheetData>"u8);

            StartRow(1);
            for (var column = 0; column < _header.Count; column++)
            {
                var name = Utf8.GetBytes(_header[column]);
                WriteText(column, name, header: true, null, 0);
            }

            _output.Write("</row>"u8);

            var byColumn = new FieldsByColumn(_header.Count);
            var rows = new RowCounter(progress, cancellationToken);
            foreach (var record in records)
            {
                byColumn.Fill(record);
                StartRow(rows.Rows + 2);
                for (var column = 0; column < byColumn.Columns; column++)
                {
                    if (byColumn.FieldAt(column) is var field and >= 0)
                    {
                        WriteField(column, record, record.Fields[field], rows.Rows);
                    }
                }

                _output.Write("</row>"u8);
                _output.FlushIfFull();
                rows.Add();
            }

            _output.Write("</sheetData>"u8);
            if (_header.Count > 0)
            {
                _output.Write("<autoFilter ref=\"A1:"u8);
                _output.Write(_columnNames[_header.Count - 1]);
                StartRowNumber(rows.Rows + 1);
                _output.Write(new ReadOnlySpan<byte>(_row, 0, _rowLength));
                _output.Write("\"/>"u8);
            }

            _output.Write("</worksheet>"u8);
            _output.Flush(final: true);
            return rows.Rows;
        }

        [MethodImpl(JitHints.HotLoop)]
        private void WriteField(int column, StoredRecord record, StoredField field, long row)
        {
            var raw = record.Raw;
            switch (field.Tag)
            {
                case ValueTag.String:
                case ValueTag.Json:
                    WriteText(column, new ReadOnlySpan<byte>(raw, field.Offset, field.Length), header: false, record, row);
                    break;
                case ValueTag.Number:
                    var number = new ReadOnlySpan<byte>(raw, field.Offset, field.Length);
                    if (IsExcelNumber(number))
                    {
                        StartCell(column);
                        _output.Write("><v>"u8);
                        _output.Write(number);
                        _output.Write("</v></c>"u8);
                    }
                    else
                    {
                        // Excel would round it: the digits as Cube sent them, as text.
                        WriteText(column, number, header: false, record, row);
                    }

                    break;
                case ValueTag.True:
                    StartCell(column);
                    _output.Write(" t=\"b\"><v>1</v></c>"u8);
                    break;
                case ValueTag.False:
                    StartCell(column);
                    _output.Write(" t=\"b\"><v>0</v></c>"u8);
                    break;
                default:
                    // Null: no cell at all, which every reader shows as empty.
                    break;
            }
        }

        [MethodImpl(JitHints.HotLoop)]
        private void WriteText(int column, ReadOnlySpan<byte> utf8, bool header, StoredRecord? record, long row)
        {
            if (utf8.Length > MaximumCellLength && XlsxText.Utf16Length(utf8) is var length && length > MaximumCellLength)
            {
                throw ValueTooLong(_header[column], CustomerIdOf(record), row, length);
            }

            StartCell(column);
            if (header)
            {
                _output.Write(" s=\"1\""u8);
            }

            // Text a reader would take for an escape goes to the shared strings, where it is
            // escaped just the same: openpyxl (pandas) undoes that escape there, not in an inline string.
            if (XlsxText.HasLiteralEscape(utf8) && _shared.TryAdd(utf8, out var index))
            {
                _output.Write(" t=\"s\"><v>"u8);
                var digits = _output.GetSpan(11);
                Utf8Formatter.TryFormat(index, digits, out var written);
                _output.Advance(written);
                _output.Write("</v></c>"u8);
                return;
            }

            _output.Write(XlsxText.NeedsPreserve(utf8) ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">"u8 : " t=\"inlineStr\"><is><t>"u8);
            XlsxText.Write(_output, utf8);
            _output.Write("</t></is></c>"u8);
        }

        private object? CustomerIdOf(StoredRecord? record)
        {
            if (record is null || _customerIdColumn < 0)
            {
                return null;
            }

            for (var f = 0; f < record.Count; f++)
            {
                var field = record.Fields[f];
                if (field.Column == _customerIdColumn && field.Tag is ValueTag.String or ValueTag.Number)
                {
                    var value = new ReadOnlySpan<byte>(record.Raw, field.Offset, field.Length);
                    return JsonNumber.TryGetWholeInt64(value, out var id) ? id : Utf8.GetString(value.ToArray());
                }
            }

            return null;
        }

        private void StartRow(long row)
        {
            StartRowNumber(row);
            _output.Write("<row r=\""u8);
            _output.Write(new ReadOnlySpan<byte>(_row, 0, _rowLength));
            _output.Write("\">"u8);
        }

        private void StartRowNumber(long row)
        {
            Utf8Formatter.TryFormat(row, _row, out _rowLength);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StartCell(int column)
        {
            _output.Write("<c r=\""u8);
            _output.Write(_columnNames[column]);
            _output.Write(new ReadOnlySpan<byte>(_row, 0, _rowLength));
            _output.Write((byte)'"');
        }
    }

    /// <summary>
    /// The shared-string table, for the rare text that holds a literal _xHHHH_: each such text once.
    /// Bounded: past <see cref="MaximumBytes"/> more such text is written inline, escaped the same.
    /// </summary>
    private sealed class SharedStrings
    {
        private const int MaximumBytes = 16 * 1024 * 1024;

        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<byte[]> _texts = new();
        private long _bytes;
        private long _references;

        public bool TryAdd(ReadOnlySpan<byte> utf8, out int index)
        {
            var bytes = utf8.ToArray();
            var text = Utf8.GetString(bytes);
            if (!_index.TryGetValue(text, out index))
            {
                if (_bytes + bytes.Length > MaximumBytes)
                {
                    return false;
                }

                index = _texts.Count;
                _index.Add(text, index);
                _texts.Add(bytes);
                _bytes += bytes.Length;
            }

            _references++;
            return true;
        }

        public void Write(Utf8Output output)
        {
            output.Write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"u8);
            output.Write(string.Format(CultureInfo.InvariantCulture, "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{0}\" uniqueCount=\"{1}\">", _references, _texts.Count));
            foreach (var text in _texts)
            {
                output.Write(XlsxText.NeedsPreserve(text) ? "<si><t xml:space=\"preserve\">"u8 : "<si><t>"u8);
                XlsxText.Write(output, text);
                output.Write("</t></si>"u8);
                output.FlushIfFull();
            }

            output.Write("</sst>"u8);
            output.Flush(final: true);
        }
    }
}
