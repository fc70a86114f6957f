using System;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace CubePS.Connections;

/// <summary>The HTTP handler of a connection: redirects, decompression, TLS, proxy and certificate checks.</summary>
internal static class HttpHandlerFactory
{
    public static HttpMessageHandler Create(Uri? proxy, NetworkCredential? proxyCredential, bool skipCertificateCheck, int maximumConnectionsPerServer)
    {
        var handler = new HttpClientHandler
        {
            // Redirects are followed by RequestSender, and only within the connection's origin, so
            // credentials never go to another host.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseCookies = false,
        };

        TrySet(() => handler.MaxConnectionsPerServer = maximumConnectionsPerServer);
        if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
        {
            // Windows PowerShell 5.1: ask for TLS 1.2 on this handler instead of changing
            // ServicePointManager.SecurityProtocol for the whole process.
            TrySet(() => handler.SslProtocols = SslProtocols.Tls12);
        }

        if (proxy is not null)
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

    private static void TrySet(Action set)
    {
        try
        {
            set();
        }
        catch (PlatformNotSupportedException)
        {
            // Older .NET Framework builds lack the setting; their default applies.
        }
    }
}
