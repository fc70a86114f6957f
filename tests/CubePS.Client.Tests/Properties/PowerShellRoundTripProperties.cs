using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using CsCheck;
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
}
