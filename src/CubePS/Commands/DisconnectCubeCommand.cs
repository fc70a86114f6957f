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

    private protected override void ProcessCubeRecord()
    {
        if (Connection is not null)
        {
            if (ReferenceEquals(Connection, ConnectionRegistry.Current))
            {
                ConnectionRegistry.RemoveCurrent();
            }

            Connection.Dispose();
            WriteVerbose("Closed " + Connection + ".");
            return;
        }

        var current = ConnectionRegistry.RemoveCurrent();
        if (current is null)
        {
            WriteVerbose("There was no Cube connection in this session.");
            return;
        }

        current.Dispose();
        WriteVerbose("Disconnected from " + current + ".");
    }
}
