using System.Text;
using System.Text.Json;
using CubePS.Export;

namespace CubePS.Client.Tests;

/// <summary>The file writers of Export-CubeCustomer, on their own.</summary>
public class ExportTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    [Fact]
    public void More_customers_than_a_worksheet_holds_is_CubeWorksheetLimit_before_anything_is_written()
    {
        using var output = new MemoryStream();
        var error = Assert.Throws<CubeException>(() => XlsxCustomerWriter.Write(output, new[] { "customer_id" }, 0, Array.Empty<StoredRecord>(), XlsxCustomerWriter.MaximumRows, null, CancellationToken.None));

        Assert.Equal(CubeErrorIds.WorksheetLimit, error.ErrorId);
        Assert.Equal(CubeErrorCategory.LimitsExceeded, error.Category);
        Assert.Contains("1,048,576 customers do not fit in one worksheet", error.Message);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public void More_fields_than_a_worksheet_has_columns_is_CubeWorksheetLimit_before_anything_is_written()
    {
        using var output = new MemoryStream();
        var header = Enumerable.Range(0, XlsxCustomerWriter.MaximumColumns + 1).Select(i => "field_" + i).ToArray();
        var error = Assert.Throws<CubeException>(() => XlsxCustomerWriter.Write(output, header, -1, Array.Empty<StoredRecord>(), 0, null, CancellationToken.None));

        Assert.Equal(CubeErrorIds.WorksheetLimit, error.ErrorId);
        Assert.Contains("16,385 different fields; a worksheet holds 16,384 columns", error.Message);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public void A_field_name_longer_than_a_cell_holds_is_CubeWorksheetLimit()
    {
        using var output = new MemoryStream();
        var error = Assert.Throws<CubeException>(() => XlsxCustomerWriter.Write(output, new[] { "customer_id", new string('k', XlsxCustomerWriter.MaximumCellLength + 1) }, 0, Array.Empty<StoredRecord>(), 0, null, CancellationToken.None));

        Assert.Equal(CubeErrorIds.WorksheetLimit, error.ErrorId);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task A_value_as_long_as_a_cell_holds_is_written_with_its_line_breaks_as_sent()
    {
        // 16,383 CR LF pairs and one more character: 32,767, what a cell holds; a CR is kept, so it counts.
        var lines = string.Concat(Enumerable.Repeat("\\r\\n", XlsxCustomerWriter.MaximumCellLength / 2)) + "x";
        var records = "[{\"customer_id\": 1, \"notes\": \"" + lines + "\"}]";
        using var result = await new DownloadRun(FakeCube.Serving((Route, records)).Connect()).RunAsync(null, 9);
        var path = XlsxReadBackTests.WriteWorkbook(result);
        try
        {
            XlsxReadBackTests.AssertCellsAreAsSent(result, records, Openpyxl.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_value_longer_than_a_cell_holds_is_CubeWorksheetLimit_naming_it()
    {
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "notes": "{{new string('x', XlsxCustomerWriter.MaximumCellLength + 1)}}"}]"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);
        using var output = new MemoryStream();
        var error = Assert.Throws<CubeException>(() => XlsxCustomerWriter.Write(output, result.Names, 0, result.Collection.ReadStoredRecords(), result.Collection.Count, null, CancellationToken.None));

        Assert.Equal(CubeErrorIds.WorksheetLimit, error.ErrorId);
        Assert.Contains("'notes' of customer_id 1 has 32,768 characters", error.Message);
    }

    [Fact]
    public async Task JSON_Lines_are_the_records_as_Cube_sent_them()
    {
        const string records = """[{"customer_id": 1, "name": "Quote \" tab \t line\n ctl \u0001 ø 😀", "n": 1.10, "big": 12345678901234567890123, "x": null, "nested": {"a": [1, true]}}, {"customer_id": 2, "Name": "other keys"}]""";
        var cube = FakeCube.Serving((Route, records));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);
        using var output = new MemoryStream();
        JsonLinesCustomerWriter.Write(new Utf8Output(output, new UTF8Encoding(false)), result.Collection.Schema.Columns, result.Collection.ReadStoredRecords(), null, CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(string.Empty, lines[2]);
        using var sent = JsonDocument.Parse(records);
        for (var i = 0; i < 2; i++)
        {
            using var written = JsonDocument.Parse(lines[i]);
            // The same keys in the same order with the same values (nested ones compacted, numbers exact).
            static string Shown(JsonProperty p) => p.Name + "=" + (p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? JsonSerializer.Serialize(p.Value) : p.Value.GetRawText());
            Assert.Equal(sent.RootElement[i].EnumerateObject().Select(Shown), written.RootElement.EnumerateObject().Select(Shown));
        }

        Assert.Contains("\"n\":1.10,\"big\":12345678901234567890123,", lines[0]);
    }

    [Fact]
    public async Task JSON_Lines_escape_every_character_a_line_reader_may_take_for_a_line_end()
    {
        const string records = """[{"customer_id": 1, "s": "a\u2028b\u2029c\u0085d \u201a \u20ac \u00e9 \"q\" \\", "nested": {"n": "x\u2028y\u0085z"}}]""";
        var cube = FakeCube.Serving((Route, records));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);
        using var output = new MemoryStream();
        JsonLinesCustomerWriter.Write(new Utf8Output(output, new UTF8Encoding(false)), result.Collection.Schema.Columns, result.Collection.ReadStoredRecords(), null, CancellationToken.None);

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.DoesNotContain('\u2028', text);
        Assert.DoesNotContain('\u2029', text);
        Assert.DoesNotContain('\u0085', text);
        Assert.Contains("\u201a \u20ac \u00e9", text);
        using var written = JsonDocument.Parse(text.TrimEnd('\n'));
        Assert.Equal("a\u2028b\u2029c\u0085d \u201a \u20ac \u00e9 \"q\" \\", written.RootElement.GetProperty("s").GetString());
        Assert.Equal("x\u2028y\u0085z", written.RootElement.GetProperty("nested").GetProperty("n").GetString());
    }

    [Fact]
    public void A_target_is_replaced_only_on_commit_and_the_temporary_file_always_goes()
    {
        var folder = Directory.CreateTempSubdirectory("cubeps-target").FullName;
        try
        {
            var path = Path.Combine(folder, "export.csv");
            File.WriteAllText(path, "older export");

            using (var target = new ExportTarget(path, noClobber: false))
            {
                target.Write(stream =>
                {
                    stream.Write("half"u8);
                    return true;
                });

                // Not committed: a failure.
            }

            Assert.Equal("older export", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(folder));

            using (var target = new ExportTarget(path, noClobber: false))
            {
                target.Write(stream =>
                {
                    stream.Write("new export"u8);
                    return true;
                });

                target.Commit();
            }

            Assert.Equal("new export", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(folder));

            using (var target = new ExportTarget(path, noClobber: true))
            {
                target.Write(stream =>
                {
                    stream.Write("clobber"u8);
                    return true;
                });

                var error = Assert.Throws<CubeException>(target.Commit);
                Assert.Equal(CubeErrorIds.FileExists, error.ErrorId);
            }

            Assert.Equal("new export", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Replacing_keeps_a_symbolic_link_and_the_file_mode()
    {
        Assert.False(OperatingSystem.IsWindows(), "Unix file modes and links: this test runs on Linux and macOS.");
        var folder = Directory.CreateTempSubdirectory("cubeps-link").FullName;
        try
        {
            var real = Path.Combine(folder, "real.csv");
            var link = Path.Combine(folder, "nightly.csv");
            File.WriteAllText(real, "older export");
            File.SetUnixFileMode(real, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.CreateSymbolicLink(link, "real.csv");

            using (var target = new ExportTarget(link, noClobber: false))
            {
                Assert.Equal(real, target.FinalPath);
                target.Write(stream =>
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target.TemporaryPath));
                    stream.Write("new export"u8);
                    return true;
                });
                target.Commit();
            }

            Assert.Equal("real.csv", new FileInfo(link).LinkTarget);
            Assert.Equal("new export", File.ReadAllText(real));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(real));
            Assert.Equal(2, Directory.GetFileSystemEntries(folder).Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_named_pipe_is_written_into_never_replaced_by_a_file()
    {
        Assert.False(OperatingSystem.IsWindows(), "Unix devices and pipes: this test runs on Linux and macOS.");
        Assert.True(UnixFiles.IsSpecial("/dev/null"));
        Assert.False(UnixFiles.IsSpecial("/etc/hostname"));
        Assert.False(UnixFiles.IsSpecial("/tmp"));
        var folder = Directory.CreateTempSubdirectory("cubeps-pipe").FullName;
        try
        {
            var pipe = Path.Combine(folder, "feed.csv");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", pipe))
            {
                await mkfifo.WaitForExitAsync();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            var reader = Task.Run(() => File.ReadAllText(pipe));
            using (var target = new ExportTarget(pipe, noClobber: false))
            {
                Assert.True(target.IsDevice);
                target.Write(stream =>
                {
                    stream.Write("through the pipe"u8);
                    return true;
                });
                target.Commit();
            }

            Assert.Equal("through the pipe", await reader.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(UnixFiles.IsSpecial(pipe));
            Assert.Single(Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_failure_of_the_last_flush_is_CubeExportFailed_and_leaves_no_file()
    {
        var folder = Directory.CreateTempSubdirectory("cubeps-flush").FullName;
        try
        {
            var path = Path.Combine(folder, "export.csv");
            File.WriteAllText(path, "older export");
            using (var target = new ExportTarget(path, noClobber: false))
            {
                var error = Assert.Throws<CubeException>(() => target.Write<bool>(_ => throw new IOException("No space left on device")));
                Assert.Equal(CubeErrorIds.ExportFailed, error.ErrorId);
                Assert.Equal(CubeErrorCategory.WriteError, error.Category);
                Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
            }

            Assert.Equal("older export", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("nb-NO")]
    [InlineData("")]
    [InlineData("fr-FR")]
    [InlineData("ar-SA")]
    [InlineData("sv-SE")]
    public void Numbers_are_written_as_their_NET_values_ToString_gives_them(string cultureName)
    {
        var culture = System.Globalization.CultureInfo.GetCultureInfo(cultureName);
        var text = new NumberText(culture);
        var huge = "9" + new string('0', 300) + "1";
        foreach (var number in new[] { "0", "-0", "7", "-7", "42", "-9223372036854775808", "9223372036854775808", huge, "-" + huge, "1.10", "-0.5", "1.5e300", "1E-7", "0.1234567890123456789012345678901", "-1.0" })
        {
            var expected = Convert.ToString(JsonNumber.ToValue(Encoding.ASCII.GetBytes(number)), culture);
            Assert.Equal(expected, Encoding.UTF8.GetString(text.Format(Encoding.ASCII.GetBytes(number))));
        }
    }
}
