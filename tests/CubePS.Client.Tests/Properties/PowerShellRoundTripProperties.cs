using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using CsCheck;
using System.Text;
using CubePS.Export;
using CubePS.Output;

namespace CubePS.Client.Tests.Properties;

/// <summary>
/// The objects Get-CubeCustomer writes, from random assignments, through PowerShell's own
/// Export-Csv and Import-Csv (in-process, the real cmdlets): every key comes back as a column
/// and every value as its text.
/// </summary>
public sealed class PowerShellRoundTripProperties : IDisposable
{
    private readonly Runspace _runspace;
    private readonly string _folder = Directory.CreateTempSubdirectory("cubeps-roundtrip").FullName;

    public PowerShellRoundTripProperties()
    {
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
        _runspace.ThreadOptions = PSThreadOptions.UseCurrentThread;
        _runspace.Open();
    }

    public void Dispose()
    {
        _runspace.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Export_Csv_then_Import_Csv_gives_every_key_and_value_back() =>
        JsonGen.Assignment.Sample(
            assignment =>
            {
                using var result = new DownloadRun(RecordProperties.Serve(assignment).Connect()).RunAsync(null, 9).GetAwaiter().GetResult();
                var factory = new CustomerObjectFactory(result.Names);
                var objects = result.Rows.Select(factory.Create).ToList();
                var path = Path.Combine(_folder, "customers.csv");
                if (objects.Count == 0)
                {
                    return;
                }

                using var powershell = PowerShell.Create(_runspace);
                powershell.AddCommand("Export-Csv").AddParameter("LiteralPath", path).AddParameter("Encoding", "utf8");
                powershell.Invoke(objects);
                Assert.Empty(powershell.Streams.Error);
                powershell.Commands.Clear();
                var rows = powershell.AddCommand("Import-Csv").AddParameter("LiteralPath", path).AddParameter("Encoding", "utf8").Invoke();

                Assert.Equal(result.Names, rows[0].Properties.Select(p => p.Name));
                Assert.Equal(objects.Count, rows.Count);
                for (var i = 0; i < rows.Count; i++)
                {
                    for (var j = 0; j < result.Names.Length; j++)
                    {
                        var value = result.Rows[i][j];
                        var expected = value is null ? string.Empty : Convert.ToString(value, CultureInfo.CurrentCulture);
                        Assert.True(expected == (string)rows[i].Properties[result.Names[j]].Value, $"record {i + 1}, '{result.Names[j]}': [{expected}] came back as [{rows[i].Properties[result.Names[j]].Value}]");
                    }
                }
            },
            iter: 150,
            threads: 1);

    /// <summary>
    /// Export-CubeCustomer's CSV, written from the stored records, is byte for byte what Export-Csv
    /// writes for the objects Get-CubeCustomer makes of them, in any culture, with any delimiter.
    /// </summary>
    [Fact]
    public void The_CSV_writer_writes_what_Export_Csv_writes() =>
        Gen.Select(JsonGen.Assignment, Gen.OneOf("", "en-US", "nb-NO", "de-DE", "fr-FR"), Gen.OneOf(',', ';', '\t', '|'), Gen.OneOf("utf8BOM", "utf8NoBOM", "unicode"))
            .Sample(
                (assignment, cultureName, delimiter, encodingName) =>
                {
                    using var result = new DownloadRun(RecordProperties.Serve(assignment).Connect()).RunAsync(null, 9).GetAwaiter().GetResult();
                    if (result.Rows.Count == 0)
                    {
                        return;
                    }

                    var saved = CultureInfo.CurrentCulture;
                    try
                    {
                        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(cultureName);
                        var path = Path.Combine(_folder, "expected.csv");
                        var factory = new CustomerObjectFactory(result.Names);
                        using var powershell = PowerShell.Create(_runspace);
                        powershell.AddCommand("Export-Csv").AddParameter("LiteralPath", path).AddParameter("Delimiter", delimiter).AddParameter("Encoding", encodingName);
                        powershell.Invoke(result.Rows.Select(factory.Create).ToList());
                        Assert.Empty(powershell.Streams.Error);

                        var encoding = encodingName switch
                        {
                            "utf8BOM" => new UTF8Encoding(true),
                            "utf8NoBOM" => new UTF8Encoding(false),
                            _ => (Encoding)new UnicodeEncoding(false, true),
                        };
                        using var written = new MemoryStream();
                        CsvCustomerWriter.Write(new Utf8Output(written, encoding), result.Names, result.Collection.ReadStoredRecords(), new CsvFormat(delimiter, encoding, CultureInfo.CurrentCulture), null, CancellationToken.None);

                        var expected = File.ReadAllBytes(path);
                        var actual = written.ToArray();
                        Assert.True(expected.AsSpan().SequenceEqual(actual), $"in {cultureName} with '{delimiter}' ({encodingName}):\n{encoding.GetString(expected)}\n---\n{encoding.GetString(actual)}");
                    }
                    finally
                    {
                        CultureInfo.CurrentCulture = saved;
                    }
                },
                iter: 150,
                threads: 1);
}
