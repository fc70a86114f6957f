using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using CubePS.Errors;
using CubePS.Sessions;

namespace CubePS.Commands;

/// <summary>
/// A cmdlet that talks to Cube: it takes -Connection, or else uses this runspace's default from
/// Connect-Cube, or else the CUBE_* environment variables (a connection it then owns and closes).
/// </summary>
public abstract class CubeConnectionCmdlet : CubeCmdlet
{
    private Connection? _ownedConnection;
    private Connection? _resolved;

    /// <summary>The connection to use instead of this session's default.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>The connection this call uses; terminates the call with CubeNotConnected when there is none.</summary>
    private protected Connection ResolveConnection()
    {
        if (_resolved is not null)
        {
            return _resolved;
        }

        _resolved = Connection ?? ConnectionRegistry.Current ?? FromEnvironment() ?? ThrowNotConnected();
        WriteDebug("Using the Cube connection " + _resolved + " (" + _resolved.Source + ").");
        return _resolved;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ownedConnection?.Dispose();
            _ownedConnection = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>A connection from the CUBE_* variables (owned by this call), or null when none is set.</summary>
    private Connection? FromEnvironment()
    {
        _ownedConnection = EnvironmentConnection.Create(this);
        return _ownedConnection;
    }

    [DoesNotReturn]
    private Connection ThrowNotConnected()
    {
        ThrowCubeError(new CubeException(
            CubeErrorIds.NotConnected,
            CubeErrorCategory.InvalidOperation,
            "There is no Cube connection. Run Connect-Cube -Account <name> -Token <token> (or -Credential) first; in a runbook, set CUBE_ACCOUNT or CUBE_BASE_URI, plus CUBE_TOKEN or CUBE_USERNAME and CUBE_PASSWORD.")
        {
            RecommendedAction = "Run Connect-Cube, or set the CUBE_* environment variables.",
        });
        return null!;
    }
}
