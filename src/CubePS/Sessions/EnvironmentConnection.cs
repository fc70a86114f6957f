using System;
using System.Management.Automation;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Streams;

namespace CubePS.Sessions;

/// <summary>A connection from the CUBE_* environment variables, for any CubePS cmdlet.</summary>
internal static class EnvironmentConnection
{
    /// <summary>
    /// A new connection from the CUBE_* variables, or null when none is set. Ends the call of
    /// <paramref name="cmdlet"/> with CubeInvalidEnvironment when they are set but wrong. The
    /// caller owns (and closes) the connection.
    /// </summary>
    public static Connection? Create(Cmdlet cmdlet)
    {
        try
        {
            var options = ConnectionVariables.Read(Environment.GetEnvironmentVariable);
            return options is null ? null : Connection.Create(options);
        }
        catch (CubeException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(e));
        }
        catch (ArgumentException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(ConnectionVariables.Invalid(
                "The CUBE_* environment variables do not describe a connection: " + e.Message)));
        }

        return null;
    }
}
