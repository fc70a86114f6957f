using System.Security.Authentication;

namespace CubePS.Connections;

/// <summary>
/// Which TLS versions a connection asks for. .NET (PowerShell 7) and a .NET Framework process
/// whose setting is the system default let the operating system choose, which allows TLS 1.2 and
/// 1.3 where Windows has them: those are left alone. Only a .NET Framework process whose
/// ServicePointManager allows neither TLS 1.2 nor 1.3 (powershell.exe without strong crypto offers
/// SSL 3 and TLS 1.0) has its connections ask for TLS 1.2 and 1.3 instead, on the connection's
/// own handler: the setting of the whole process is never changed.
/// </summary>
internal static class TlsPolicy
{
    /// <summary>SslProtocols.Tls13, which netstandard2.0 does not name.</summary>
    public const SslProtocols Tls13 = (SslProtocols)12288;

    /// <summary>TLS 1.2 as ServicePointManager numbers it (as SslProtocols does).</summary>
    private const int Tls12 = 3072;

    /// <summary>
    /// The protocols to set on the handler, or null to leave the runtime's default.
    /// <paramref name="processProtocols"/> is ServicePointManager.SecurityProtocol as a number (0: system default).
    /// <paramref name="withTls13"/> false is for a .NET Framework older than 4.8, which does not know TLS 1.3.
    /// </summary>
    public static SslProtocols? ForHandler(bool isNetFramework, int processProtocols, bool withTls13 = true)
    {
        if (!isNetFramework || processProtocols == 0 || (processProtocols & (Tls12 | (int)Tls13)) != 0)
        {
            return null;
        }

        // TLS 1.0 and 1.1 (and SSL 3) are deprecated: the handler asks for what Cube needs only.
        return withTls13 ? SslProtocols.Tls12 | Tls13 : SslProtocols.Tls12;
    }
}
