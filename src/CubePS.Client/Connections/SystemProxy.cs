using System;
using System.Net;
using System.Net.Http;

namespace CubePS.Connections;

/// <summary>
/// Whether the system's proxy settings (what HttpClientHandler uses without -Proxy: the
/// HTTP(S)_PROXY variables on Linux and macOS, the Internet settings on Windows) send a request
/// to a proxy, so that a 407 is put down to a proxy only when one is between.
/// </summary>
internal static class SystemProxy
{
    /// <summary>HttpClient.DefaultProxy (.NET Core 3.0 and later): netstandard2.0 cannot name it.</summary>
    private static readonly System.Reflection.PropertyInfo? DefaultProxyProperty = typeof(HttpClient).GetProperty("DefaultProxy");

    public static bool IsUsedFor(Uri uri)
    {
        try
        {
            var proxy = DefaultProxyProperty?.GetValue(null) as IWebProxy ?? WebRequest.DefaultWebProxy;
            if (proxy is null || proxy.IsBypassed(uri))
            {
                return false;
            }

            var through = proxy.GetProxy(uri);
            return through is not null && through != uri;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.Security.SecurityException or System.Reflection.TargetInvocationException)
        {
            // Settings that cannot be read: a proxy may be between.
            return true;
        }
    }
}
