using System.Management.Automation;
using CubePS.Connections;
using CubePS.Customers;
using CubePS.Errors;
using CubePS.Output;
using CubePS.Sessions;
using CubePS.Streams;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>Disconnect-Cube: forgets this session's default connection and closes its sockets.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "Cube", HelpUri = HelpUri + "Disconnect-Cube.md")]
[OutputType(typeof(void))]
public sealed class DisconnectCubeCommand : CubeCmdlet
{
    /// <summary>A connection to close instead of the session's default (for one made with Connect-Cube -PassThru).</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    // Each message is written before anything is forgotten or closed: a write the host refuses
    // (-Debug where nothing can prompt) then fails the call with the connection as it was.
    private protected override void ProcessCubeRecord()
    {
        if (Connection is not null)
        {
            WriteVerbose("Closed " + Connection + ".");
            if (ReferenceEquals(Connection, ConnectionRegistry.Current))
            {
                ConnectionRegistry.RemoveCurrent();
            }

            Connection.Dispose();
            return;
        }

        var current = ConnectionRegistry.Current;
        if (current is null)
        {
            WriteVerbose("There was no Cube connection in this session.");
            return;
        }

        WriteVerbose("Disconnected from " + current + ".");
        ConnectionRegistry.RemoveCurrent()?.Dispose();
    }
}
