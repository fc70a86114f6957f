using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace CubePS.Sessions;

/// <summary>
/// The default connection of each runspace, set by Connect-Cube. Keyed by runspace so that two
/// runspaces never share one by accident; a runspace's entry goes when the runspace closes, or
/// when that runspace removes the module (never another runspace's).
/// </summary>
internal static class ConnectionRegistry
{
    private static readonly ConcurrentDictionary<Runspace, Connection> Defaults = new();

    public static Connection? Current =>
        Runspace.DefaultRunspace is { } runspace && Defaults.TryGetValue(runspace, out var connection) ? connection : null;

    /// <summary>Makes <paramref name="connection"/> this runspace's default and closes the one it replaces.</summary>
    public static void SetCurrent(Connection connection)
    {
        var runspace = Runspace.DefaultRunspace;
        if (runspace is null)
        {
            return;
        }

        Connection? replaced = null;
        Defaults.AddOrUpdate(
            runspace,
            added =>
            {
                added.StateChanged += OnRunspaceStateChanged;
                return connection;
            },
            (_, previous) =>
            {
                replaced = previous;
                return connection;
            });

        if (replaced is not null && !ReferenceEquals(replaced, connection))
        {
            replaced.Dispose();
        }
    }

    /// <summary>Forgets this runspace's default and returns it (not yet closed).</summary>
    public static Connection? RemoveCurrent()
    {
        var runspace = Runspace.DefaultRunspace;
        if (runspace is null || !Defaults.TryRemove(runspace, out var connection))
        {
            return null;
        }

        runspace.StateChanged -= OnRunspaceStateChanged;
        return connection;
    }

    /// <summary>Closes this runspace's default connection, if any (the module is being removed from it).</summary>
    public static void CloseCurrent() => RemoveCurrent()?.Dispose();

    private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is Runspace runspace
            && e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken
            && Defaults.TryRemove(runspace, out var connection))
        {
            runspace.StateChanged -= OnRunspaceStateChanged;
            connection.Dispose();
        }
    }
}
