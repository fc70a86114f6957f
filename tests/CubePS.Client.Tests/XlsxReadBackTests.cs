using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using CubePS.Export;

namespace CubePS.Client.Tests;

/// <summary>
/// Every .xlsx these tests write is read back by readers nobody on this project wrote (openpyxl,
/// which pandas uses; the Open XML SDK's schema validator), and each cell compared with the value
/// Cube sent.
/// </summary>
public class XlsxReadBackTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    /// <summary>
    /// Text that readers have shown wrongly: characters above U+FFFF (skin-tone modifiers, 𠮷, the
    /// mathematical letters), white space at either end, control characters, the literal text of
    /// Excel's own escape, right-to-left text, markup, the three forms of a line break, in values
    /// and in keys, and a cell as long as Excel allows, made of surrogate pairs.
    /// </summary>
    private static readonly string AwkwardRecords = """
        [{"customer_id": 1, "emoji": "Kari 👍🏽 ringte", "face": "😀", "kanji": "𠮷野家", "math": "𝐀𝐁𝐂", "flag": "🇳🇴 👨‍👩‍👧",
          "lead": " lead", "trail": "trail ", "both": "  both  ", "space": " ", "tab": "\tleading tab", "tab_end": "trailing tab\t", "lf_end": "line feed\n",
          "ctl": "a\u0001b\u0008c\u000bd\u000ce\u001ff", "nul": "x\u0000y", "noncharacters": "\ufffe and \uffff", "del": "\u007f\u0085\u009f",
          "escape": "_x0041_", "escapes": "_x000D_ and _X0042_ and _x00e9__x0041_ and _x12", "underscores": "_ __ _x _x004_ x005F_",
          "rtl": "שלום עולם مرحبا بالعالم", "markup": "<b>&amp;</b> ]]> \"quoted\" 'single'",
          "cr": "a\rb", "lf": "a\nb", "crlf": "a\r\nb", "mixed": "\r\n\n\r", "empty": "",
          "a\r\nb": "key with CR LF", "a\nb": "key with LF", "a\rb": "key with CR", " padded key ": "p", "key\u0001ctl": "c", "😀 key": "e", "_x0041_": "k",
          "rate": 1.10, "neg": -42, "exp": 1.5e300, "huge": 1e400, "tiny": 1e-400, "big": 1234567890123456789012,
          "active": true, "deleted": false, "gone": null, "nested": {"k": ["_x0041_", 1, " x "]}},
         {"customer_id": "C-2", "long": "LONG", "lead": "\n\r x"}]
        """.Replace("\"LONG\"", "\"" + string.Concat(Enumerable.Repeat("😀", (XlsxCustomerWriter.MaximumCellLength - 1) / 2)) + "\\r\"");

    [Fact]
    public async Task Every_cell_reads_back_in_openpyxl_as_Cube_sent_it()
    {
        using var result = await new DownloadRun(FakeCube.Serving((Route, AwkwardRecords)).Connect()).RunAsync(null, 9);
        var path = WriteWorkbook(result);
        try
        {
            var read = Openpyxl.Read(path);
            Assert.Equal(new[] { "Customers" }, read.GetProperty("sheets").EnumerateArray().Select(s => s.GetString()));
            AssertCellsAreAsSent(result, AwkwardRecords, read);

            // Issue 20, case 4: three keys that differ only in their line break are three headers;
            // a carriage return shows as ␍ (LibreOffice reads CR LF in a cell as a line feed).
            var header = read.GetProperty("rows")[0].EnumerateArray().Select(c => c.GetString()).ToList();
            Assert.Contains("a\u240d\nb", header);
            Assert.Contains("a\nb", header);
            Assert.Contains("a\u240db", header);
            Assert.Contains("key\u2401ctl", header);
            Assert.Contains(" padded key ", header);
            Assert.Contains("😀 key", header);
            Assert.Contains("_x0041_", header);
            Assert.Equal(header.Count, header.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_workbook_has_a_frozen_header_row_with_an_autofilter_and_validates_against_the_schema()
    {
        using var result = await new DownloadRun(FakeCube.Serving((Route, AwkwardRecords)).Connect()).RunAsync(null, 9);
        var path = WriteWorkbook(result);
        try
        {
            var read = Openpyxl.Read(path);
            Assert.Equal("A2", read.GetProperty("freeze").GetString());
            Assert.Equal("A1:" + XlsxCustomerWriter.ColumnName(result.Names.Length - 1) + "3", read.GetProperty("filter").GetString());
            AssertValid(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_workbook_with_no_customers_validates_and_has_the_header_only()
    {
        var path = Path.Combine(Path.GetTempPath(), "cubeps-empty-" + Guid.NewGuid().ToString("N") + ".xlsx");
        try
        {
            using (var file = File.Create(path))
            {
                Assert.Equal(0, XlsxCustomerWriter.Write(file, StandardFields.Keys, -1, Array.Empty<StoredRecord>(), 0, null, CancellationToken.None).Rows);
            }

            var rows = Openpyxl.Read(path).GetProperty("rows");
            Assert.Equal(1, rows.GetArrayLength());
            Assert.Equal(StandardFields.Keys, rows[0].EnumerateArray().Select(c => c.GetString()));
            AssertValid(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_key_whose_shown_name_another_key_has_gets_a_suffix_so_headers_stay_distinct()
    {
        const string records = """[{"customer_id": 1, "a\u240db": 1, "a\rb": 2, "A\u240dB_2": 3, "x\u0000": 4}]""";
        using var result = await new DownloadRun(FakeCube.Serving((Route, records)).Connect()).RunAsync(null, 9);
        var path = WriteWorkbook(result);
        try
        {
            var header = Openpyxl.Read(path).GetProperty("rows")[0].EnumerateArray().Select(c => c.GetString());
            Assert.Equal(new[] { "customer_id", "a\u240db", "a\u240db_2", "A\u240dB_2_2", "x\u2400" }, header);
            AssertCellsAreAsSent(result, records, Openpyxl.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Text_is_a_real_string_cell_with_its_characters_as_themselves()
    {
        // Issue 20, cases 1 to 3: emoji were _xD83D_ escapes, white space at the ends was trimmed
        // (xml:space="preserve" sat on the cell), and text sat in formula-result cells (t="str").
        using var result = await new DownloadRun(FakeCube.Serving((Route, AwkwardRecords)).Connect()).RunAsync(null, 9);
        var path = WriteWorkbook(result);
        try
        {
            var sheet = ReadPart(path, "xl/worksheets/sheet1.xml");
            Assert.DoesNotContain("t=\"str\"", sheet);
            Assert.DoesNotContain("_xD83D_", sheet, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("<is><t>Kari 👍🏽 ringte</t></is>", sheet);
            Assert.Contains("<is><t xml:space=\"preserve\"> lead</t></is>", sheet);
            Assert.Contains("<is><t>a&#13;\nb</t></is>", sheet);
            Assert.Contains("<is><t>a_x0001_b_x0008_c_x000B_d_x000C_e_x001F_f</t></is>", sheet);
            Assert.DoesNotContain("\r", sheet);

            // The literal text of an escape, escaped as the spec asks, in the shared strings.
            Assert.Contains("<si><t>_x005F_x0041_</t></si>", ReadPart(path, "xl/sharedStrings.xml"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_value_longer_than_a_cell_holds_names_the_customer_id_and_the_field()
    {
        // Issue 20, case 5: the error said "customer 2" (a position), had no target and advised
        // selecting fewer customers.
        var records = $$"""[{"customer_id": 7, "notes": "short"}, {"customer_id": 2488539, "notes": "{{new string('x', XlsxCustomerWriter.MaximumCellLength + 1)}}"}]""";
        using var result = await new DownloadRun(FakeCube.Serving((Route, records)).Connect()).RunAsync(null, 9);
        using var output = new MemoryStream();
        var error = Assert.Throws<CubeException>(() => XlsxCustomerWriter.Write(output, result.Names, 0, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None));

        Assert.Equal(CubeErrorIds.WorksheetLimit, error.ErrorId);
        Assert.Equal(CubeErrorCategory.LimitsExceeded, error.Category);
        Assert.Equal(2488539L, error.TargetObject);
        Assert.Contains("'notes' of customer_id 2488539 has 32,768 characters", error.Message);
        Assert.DoesNotContain("fewer", error.Message);
        Assert.Contains("JsonLines", error.RecommendedAction);
        Assert.Contains("Csv", error.RecommendedAction);
    }

    [Fact]
    public async Task A_customer_id_sent_as_text_is_the_target_as_sent()
    {
        var records = $$"""[{"customer_id": "C-9", "notes": "{{new string('x', XlsxCustomerWriter.MaximumCellLength + 1)}}"}]""";
        using var result = await new DownloadRun(FakeCube.Serving((Route, records)).Connect()).RunAsync(null, 9);
        var error = Assert.Throws<CubeException>(() => XlsxCustomerWriter.Write(new MemoryStream(), result.Names, 0, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None));

        Assert.Equal("C-9", error.TargetObject);
        Assert.Contains("customer_id C-9", error.Message);
    }

    [Fact]
    public async Task A_workbook_goes_whole_into_a_stream_that_cannot_seek_or_tell_its_position()
    {
        // Issue 20, case 6: into a pipe the workbook was written, then "Stream does not support seeking".
        using var result = await new DownloadRun(FakeCube.Serving((Route, AwkwardRecords)).Connect()).RunAsync(null, 9);
        var pipe = new PipeLikeStream();
        var (rows, bytes) = XlsxCustomerWriter.Write(pipe, result.Names, 0, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None);

        Assert.Equal(2, rows);
        Assert.Equal(pipe.Received.Length, bytes);
        var path = Path.Combine(Path.GetTempPath(), "cubeps-pipe-" + Guid.NewGuid().ToString("N") + ".xlsx");
        try
        {
            File.WriteAllBytes(path, pipe.Received.ToArray());
            AssertCellsAreAsSent(result, AwkwardRecords, Openpyxl.Read(path));
            AssertValid(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Text_that_reads_as_an_escape_is_shared_up_to_a_bound_then_written_inline_escaped_the_same()
    {
        // 700 distinct values of 30,000 characters holding _x0041_: 21 MB of such text, past the
        // shared-string table's 16 MB; the rest is inline, so memory stays bounded whatever Cube sends.
        var filler = new string('y', 30_000);
        var records = "[" + string.Join(",", Enumerable.Range(1, 700).Select(i => $$"""{"customer_id": {{i}}, "note": "_x0041_{{i}}{{filler}}"}""")) + "]";
        using var result = await new DownloadRun(FakeCube.Serving((Route, records)).Connect()).RunAsync(null, 9);
        var path = WriteWorkbook(result);
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var shared = archive.GetEntry("xl/sharedStrings.xml")!.Length;
            Assert.InRange(shared, 15 * 1024 * 1024, (16 * 1024 * 1024) + (64 * 1024));
            var sheet = ReadPart(path, "xl/worksheets/sheet1.xml");
            Assert.Contains("<is><t>_x005F_x0041_700y", sheet);
            Assert.Contains(" t=\"s\"><v>0</v>", sheet);
            AssertValid(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public async Task A_write_that_fails_part_way_is_the_IOException_it_was(double failAt)
    {
        // A full disk while the worksheet is compressed on the other thread must reach
        // ExportTarget as the IOException it was (CubeExportFailed), not hang or become another error.
        var records = "[" + string.Join(",", Enumerable.Range(1, 5000).Select(i => $$"""{"customer_id": {{i}}, "name": "Kunde {{i}} med et langt navn", "n": {{i * 7}}}""")) + "]";
        using var result = await new DownloadRun(FakeCube.Serving((Route, records)).Connect()).RunAsync(null, 9);
        using var whole = new MemoryStream();
        XlsxCustomerWriter.Write(whole, result.Names, 0, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None);
        var full = new FullDiskStream((int)(whole.Length * failAt));
        var error = Assert.Throws<IOException>(() => XlsxCustomerWriter.Write(full, result.Names, 0, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None));
        Assert.Equal("No space left on device", error.Message);
    }

    /// <summary>Writes the workbook of a download to a new temporary file.</summary>
    internal static string WriteWorkbook(DownloadRun.Result result)
    {
        var path = Path.Combine(Path.GetTempPath(), "cubeps-xlsx-" + Guid.NewGuid().ToString("N") + ".xlsx");
        using var file = File.Create(path);
        var customerId = result.Collection.Schema.Columns.FirstOrDefault(c => c.Role == ColumnRole.CustomerId)?.Index ?? -1;
        XlsxCustomerWriter.Write(file, result.Names, customerId, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None);
        return path;
    }

    /// <summary>The Open XML SDK's validator finds no error.</summary>
    internal static void AssertValid(string path)
    {
        using var document = SpreadsheetDocument.Open(path, false);
        var errors = new OpenXmlValidator(DocumentFormat.OpenXml.FileFormatVersions.Microsoft365).Validate(document)
            .Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>
    /// Each row openpyxl read is the record Cube sent: the header the property names, each cell the
    /// value of its key (text as text, a number Excel holds exactly as that number, other numbers
    /// as their digits, booleans, null and a missing key as an empty cell, nested values as JSON).
    /// </summary>
    internal static void AssertCellsAreAsSent(DownloadRun.Result result, string sentJson, JsonElement read)
    {
        var rows = read.GetProperty("rows");
        using var sent = JsonDocument.Parse(sentJson);
        Assert.Equal(sent.RootElement.GetArrayLength() + 1, rows.GetArrayLength());
        Assert.Equal(XlsxCustomerWriter.HeaderNames(result.Names).Select(AsOpenpyxlReadsIt), rows[0].EnumerateArray().Select(c => c.GetString()));

        var columnOfKey = result.Collection.Schema.Columns.ToDictionary(c => c.Key, c => c.Index, StringComparer.Ordinal);
        var differences = new List<string>();
        for (var r = 0; r < sent.RootElement.GetArrayLength(); r++)
        {
            var cells = rows[r + 1].EnumerateArray().ToList();
            var expected = new object?[result.Names.Length];
            foreach (var property in sent.RootElement[r].EnumerateObject())
            {
                expected[columnOfKey[property.Name]] = Expected(property.Value);
            }

            for (var c = 0; c < expected.Length; c++)
            {
                var actual = c < cells.Count ? Actual(cells[c]) : null;
                if (!Equals(expected[c], actual))
                {
                    differences.Add($"row {r + 2}, '{Show(result.Names[c])}': expected {Show(expected[c])}, read {Show(actual)}");
                }
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    private static object? Expected(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => AsOpenpyxlReadsIt(value.GetString()!),
        JsonValueKind.Number => IsExcelNumber(value.GetRawText()) ? double.Parse(value.GetRawText(), System.Globalization.CultureInfo.InvariantCulture) : value.GetRawText(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => JsonSerializer.Serialize(value),
    };

    private static object? Actual(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.String => cell.GetString(),
        JsonValueKind.Number => cell.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>At most 15 significant digits and within a Double's range: what Excel holds exactly.</summary>
    private static bool IsExcelNumber(string number)
    {
        var mantissa = number.Split('e', 'E')[0].TrimStart('-').Replace(".", string.Empty).TrimStart('0');
        var value = double.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
        return mantissa.Length <= 15 && !double.IsInfinity(value) && (value != 0 || mantissa.Length == 0);
    }

    /// <summary>
    /// openpyxl 3.0 does not decode the spec's _xHHHH_ escape in cell text (only the escaped
    /// underscore, _x005F_, in shared strings), so a character XML cannot hold at all (a control
    /// character, U+FFFE, U+FFFF) reads back there as its escape. LibreOffice and Excel decode it.
    /// </summary>
    internal static string AsOpenpyxlReadsIt(string text) =>
        Regex.Replace(text, "[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]", m => "_x" + ((int)m.Value[0]).ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + "_");

    private static string Show(object? value) => value is null ? "(empty)" : JsonSerializer.Serialize(value);

    private static string ReadPart(string path, string name)
    {
        using var archive = ZipFile.OpenRead(path);
        using var reader = new StreamReader(archive.GetEntry(name)!.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>A file on a disk that fills up after some bytes.</summary>
    private sealed class FullDiskStream : MemoryStream
    {
        private readonly int _room;

        public FullDiskStream(int room) => _room = room;

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > _room)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer, offset, count);
        }
    }

    /// <summary>A pipe: takes bytes, cannot seek, has no position or length.</summary>
    private sealed class PipeLikeStream : Stream
    {
        public MemoryStream Received { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException("Stream does not support seeking.");

        public override long Position
        {
            get => throw new NotSupportedException("Stream does not support seeking.");
            set => throw new NotSupportedException("Stream does not support seeking.");
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Stream does not support seeking.");

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Received.Write(buffer, offset, count);
    }
}

/// <summary>openpyxl, through tests/tools/read_xlsx.py and Debian's python3-openpyxl. Missing, it fails the test.</summary>
internal static class Openpyxl
{
    public static JsonElement Read(string path)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "tools", "read_xlsx.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "openpyxl could not read the workbook (install python3-openpyxl; build.ps1 -Task Test does as root): " + error.Result);
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CubePS.psd1")) && File.Exists(Path.Combine(directory.FullName, "tests", "tools", "read_xlsx.py")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (with CubePS.psd1 and tests/tools/read_xlsx.py) above {AppContext.BaseDirectory}.");
    }
}
