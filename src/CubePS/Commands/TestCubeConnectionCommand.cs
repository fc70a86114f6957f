using System.Management.Automation;
using CubePS.Connections;
using CubePS.Diagnostics;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>
/// Test-CubeConnection: whether the connection works now, without a download: the host resolves,
/// TLS is agreed, and with -AssignmentId Cube accepts the credentials for that assignment's first
/// page. A failed test is a result (or $false with -Quiet), never an error.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CubeConnection", HelpUri = HelpUri + "Test-CubeConnection.md")]
[OutputType(typeof(ConnectionTest), typeof(bool))]
public sealed class TestCubeConnectionCommand : CubeConnectionCmdlet
{
    /// <summary>An assignment whose first page to fetch, which checks the credentials too.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    [ArgumentCompleter(typeof(AssignmentIdCompleter))]
    public int? AssignmentId { get; set; }

    /// <summary>Write only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Seconds each step may take.</summary>
    [Parameter]
    [ValidateRange(1, RequestSettings.MaximumTimeoutSec)]
    public int? TimeoutSec { get; set; }

    private protected override void EndCubeProcessing()
    {
        var connection = ResolveConnection();
        var (test, _) = Run(this, connection, AssignmentId, TimeoutSec);
        if (Quiet)
        {
            WriteObject(test.Succeeded);
        }
        else
        {
            WriteObject(test);
        }
    }

    /// <summary>
    /// Runs the test in <paramref name="cmdlet"/> (Connect-Cube -Validate runs the same one), with
    /// retries off: a health check should answer at once. Returns what it found and the error, if any.
    /// </summary>
    internal static (ConnectionTest Test, CubeException? Failure) Run(CubeCmdlet cmdlet, Connection connection, int? assignmentId, int? timeoutSec)
    {
        var settings = connection.RequestSettings.With(timeoutSec, maximumRetryCount: 0);
        ProbeResult? result = null;
        cmdlet.RunBlocking(async (log, token) => result = await new ConnectionProbe(connection, settings, log).RunAsync(assignmentId, token).ConfigureAwait(false));
        var probe = result!;
        var test = new ConnectionTest(connection, assignmentId, probe.Reachable, probe.Authenticated, probe.StatusCode, probe.Latency, probe.TlsProtocol, probe.Customers, probe.Failure?.ErrorId, probe.Message);
        return (test, probe.Failure);
    }
}
