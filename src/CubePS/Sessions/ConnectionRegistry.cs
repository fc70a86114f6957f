namespace CubePS.Sessions;

/// <summary>
/// The default connection of each runspace, set by Connect-Cube. A runspace's connection closes
/// with the runspace, or when that runspace removes the module (never another runspace's).
/// </summary>
internal static class ConnectionRegistry
{
    private static readonly PerRunspace<Connection> Defaults = new(connection => connection.Dispose());

    public static Connection? Current => Defaults.Current;

    /// <summary>Makes <paramref name="connection"/> this runspace's default and closes the one it replaces.</summary>
    public static void SetCurrent(Connection connection)
    {
        var replaced = Defaults.SetCurrent(connection);
        if (replaced is not null && !ReferenceEquals(replaced, connection))
        {
            replaced.Dispose();
        }
    }

    /// <summary>Forgets this runspace's default and returns it (not yet closed).</summary>
    public static Connection? RemoveCurrent() => Defaults.RemoveCurrent();

    /// <summary>Closes this runspace's default connection, if any (the module is being removed from it).</summary>
    public static void CloseCurrent() => RemoveCurrent()?.Dispose();
}
