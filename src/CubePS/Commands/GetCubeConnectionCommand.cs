using System.Management.Automation;
using CubePS.Connections;
using CubePS.Customers;
using CubePS.Errors;
using CubePS.Output;
using CubePS.Sessions;
using CubePS.Streams;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>
/// Get-CubeConnection: the connection the next CubePS command would use: this session's default
/// from Connect-Cube, or else the one the CUBE_* environment variables describe. Writes nothing
/// when there is neither.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CubeConnection", HelpUri = HelpUri + "Get-CubeConnection.md")]
[OutputType(typeof(Connection))]
public sealed class GetCubeConnectionCommand : CubeCmdlet
{
    private protected override void EndCubeProcessing()
    {
        var connection = ConnectionRegistry.Current;
        if (connection is null)
        {
            // Described, not used: close its (not yet opened) client right away.
            using var fromEnvironment = EnvironmentConnection.Create(this);
            connection = fromEnvironment;
        }

        if (connection is not null)
        {
            WriteObject(connection);
        }
    }
}
