using System;
using System.Net;
using System.Security.Authentication;

namespace CubePS.Http;

/// <summary>Recognises a failed TLS handshake, however the runtime wraps it.</summary>
internal static class TlsFailure
{
    /// <summary>
    /// The exception in <paramref name="e"/>'s chain that says the secure connection could not be
    /// made (an untrusted certificate, or no TLS version both sides accept), or null. .NET reports
    /// an AuthenticationException; .NET Framework a WebException with a secure-channel or trust status.
    /// </summary>
    public static Exception? Find(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is AuthenticationException
                || current is WebException { Status: WebExceptionStatus.SecureChannelFailure or WebExceptionStatus.TrustFailure })
            {
                return current;
            }
        }

        return null;
    }
}
