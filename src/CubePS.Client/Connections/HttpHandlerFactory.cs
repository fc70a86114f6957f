using System;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace CubePS.Connections;

/// <summary>The HTTP handler of a connection: redirects, decompression, TLS, proxy and certificate checks.</summary>
internal static class HttpHandlerFactory
{
    public static bool IsNetFramework { get; } = RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    /// <param name="direct">
    /// True for a loopback base URI: no proxy at all, neither -Proxy nor the system's (HTTP_PROXY).
    /// Plain http with credentials is allowed there only because it never leaves this machine; a
    /// proxy would get the Authorization header in clear text and send it to its own "localhost".
    /// </param>
    /// <param name="tlsLimitation">Set when the TLS versions this connection needs could not be asked for; said in TLS errors.</param>
    public static HttpMessageHandler Create(Uri? proxy, NetworkCredential? proxyCredential, bool direct, bool skipCertificateCheck, int maximumConnectionsPerServer, out string? tlsLimitation)
    {
        tlsLimitation = null;
        var handler = new HttpClientHandler
        {
            // Redirects are followed by RequestSender, and only within the connection's origin, so
            // credentials never go to another host.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseCookies = false,
        };

        TrySet(() => handler.MaxConnectionsPerServer = maximumConnectionsPerServer);
        var processProtocols = (int)ServicePointManager.SecurityProtocol;
        if (TlsPolicy.ForHandler(IsNetFramework, processProtocols) is { } wanted
            && !TrySet(() => handler.SslProtocols = wanted)
            && !TrySet(() => handler.SslProtocols = TlsPolicy.ForHandler(IsNetFramework, processProtocols, withTls13: false)!.Value))
        {
            tlsLimitation = "This .NET Framework allows only " + ServicePointManager.SecurityProtocol
                + " and refused to let CubePS ask for TLS 1.2; install .NET Framework 4.8, or enable strong cryptography (SchUseStrongCrypto) for .NET Framework.";
        }

        if (direct)
        {
            handler.UseProxy = false;
        }
        else if (proxy is not null)
        {
            handler.UseProxy = true;
            handler.Proxy = new WebProxy(proxy) { Credentials = proxyCredential };
        }

        if (skipCertificateCheck)
        {
            handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
        }

        return handler;
    }

    /// <summary>Runs a setter that older .NET Framework builds refuse in one of three ways; false when refused.</summary>
    private static bool TrySet(Action set)
    {
        try
        {
            set();
            return true;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or NotSupportedException or NotImplementedException)
        {
            return false;
        }
    }
}
