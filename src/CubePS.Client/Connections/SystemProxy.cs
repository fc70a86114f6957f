using System;
using System.Net;
using System.Net.Http;

namespace CubePS.Connections;

/// <summary>
/// The one answer to "does a request to this address go through the system's proxy, and which":
/// what HttpClientHandler uses without -Proxy (the HTTP(S)_PROXY variables on Linux and macOS, the
/// Internet settings on Windows), except that a loopback base URI is always reached directly
/// (<see cref="HttpHandlerFactory"/>). Shown by Get-CubeConnection, named in errors, and asked
/// before a 407 is put down to a proxy.
/// </summary>
internal static class SystemProxy
{
    /// <summary>HttpClient.DefaultProxy (.NET Core 3.0 and later): netstandard2.0 cannot name it.</summary>
    private static readonly System.Reflection.PropertyInfo? DefaultProxyProperty = typeof(HttpClient).GetProperty("DefaultProxy");

    /// <summary>
    /// False when the system's settings cannot be read (a proxy may then be between); otherwise
    /// true, with <paramref name="proxy"/> the system's proxy for a request to <paramref name="uri"/>
    /// on a connection to <paramref name="baseUri"/>, or null when it goes direct.
    /// </summary>
    public static bool TryFind(Uri baseUri, Uri uri, out Uri? proxy)
    {
        proxy = null;
        if (CubeEndpoint.IsLoopback(baseUri))
        {
            return true;
        }

        try
        {
            var system = DefaultProxyProperty?.GetValue(null) as IWebProxy ?? WebRequest.DefaultWebProxy;
            if (system is null || system.IsBypassed(uri))
            {
                return true;
            }

            var through = system.GetProxy(uri);
            proxy = through is null || through == uri ? null : through;
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.Security.SecurityException or System.Reflection.TargetInvocationException)
        {
            return false;
        }
    }

    /// <summary>True when a request to <paramref name="uri"/> may go through the system's proxy (also when its settings cannot be read).</summary>
    public static bool IsUsedFor(Uri baseUri, Uri uri) => !TryFind(baseUri, uri, out var proxy) || proxy is not null;
}
