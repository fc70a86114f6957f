using System;
using System.Globalization;
using System.Net;
using System.Security.Authentication;
using CubePS.Errors;

namespace CubePS.Http;

/// <summary>
/// Recognises a failed TLS handshake, however the runtime wraps it, and says why in words with
/// what to do: the one place every command (Get-CubeCustomer, Export-CubeCustomer,
/// Test-CubeConnection, Connect-Cube -Validate) turns it into its error.
/// </summary>
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

        // Not every SecureConnectionError: a connection dropped during the handshake is one too,
        // and stays a lost connection that a retry may get past.
        return null;
    }

    /// <summary>
    /// The CubeCertificateRejected error for a handshake with <paramref name="uri"/>'s host that
    /// failed with <paramref name="e"/>: the reason, what to do, and the runtime's own words. The
    /// action is in the message too: Test-CubeConnection shows only the message, and PowerShell's
    /// default error view hides RecommendedAction.
    /// </summary>
    /// <param name="certificateProblem">What a certificate check of CubePS's own found, when it made one.</param>
    /// <param name="tlsLimitation">Why this process could not ask for TLS 1.2 (Windows PowerShell 5.1), if so.</param>
    public static CubeException ToError(RequestContext context, Uri uri, Exception e, string? certificateProblem, string? tlsLimitation)
    {
        var host = uri.GetLeftPart(UriPartial.Authority);
        // A check of CubePS's own says why; the runtime then only says its callback refused.
        var details = certificateProblem ?? RuntimeWords(e);
        var (reason, action) = Explain(details, host, uri.Host);
        var error = context.Error(
            CubeErrorIds.CertificateRejected,
            CubeErrorCategory.SecurityError,
            string.Format(
                CultureInfo.InvariantCulture,
                "The secure connection to {0} failed: {1} {2}{3} (.NET: {4})",
                host,
                reason,
                action,
                tlsLimitation is null ? string.Empty : " " + tlsLimitation,
                ServerText.Quote(details.Trim(), ServerText.MaximumQuoted * 2)),
            e);
        error.RecommendedAction = action;
        return error;
    }

    /// <summary>The reason and the recommended action, from the words of the runtime and of the certificate check.</summary>
    private static (string Reason, string Action) Explain(string details, string host, string hostName)
    {
        if (Has(details, "frame size", "unexpected packet format", "wrong version number", "http request", "corrupted frame"))
        {
            return (
                "the server answered in plain HTTP, not TLS: the address says https, but that port serves http.",
                "Check the port of -BaseUri (Cube's is 443). If the server really has no TLS, use its http:// address; credentials then travel unencrypted, which CubePS allows only for this machine (or with -AllowUnencryptedAuthentication).");
        }

        if (Has(details, "protocol version", "unsupported protocol", "no protocols available", "version too low", "common algorithm", "handshake failure", "no shared cipher", "no ciphers available"))
        {
            return (
                "the server and this machine have no TLS version (or cipher) in common: the server offers only versions or ciphers this machine no longer accepts, such as TLS 1.0 or 1.1.",
                "Ask whoever runs " + host + " to offer TLS 1.2 or 1.3 (Cube's own servers do). CubePS does not lower the TLS versions this machine accepts.");
        }

        if (Has(details, "NotTimeValid", "expired", "not yet valid"))
        {
            return (
                "its certificate has expired or is not valid yet.",
                "Ask whoever runs " + host + " to renew its certificate, and check this machine's date and time. -SkipCertificateCheck only for a test server.");
        }

        if (Has(details, "NameMismatch", "name mismatch", "does not match", "not for this host name"))
        {
            return (
                "its certificate is not for the host name " + hostName + ".",
                "Check the address (-Account or -BaseUri): use the host name the certificate is issued for, such as <account>.headshed.com.");
        }

        if (Has(details, "Revoked"))
        {
            return (
                "its certificate has been revoked by the authority that issued it.",
                "Do not connect: ask whoever runs " + host + " why its certificate was revoked.");
        }

        if (Has(details, "UntrustedRoot", "PartialChain", "ChainErrors", "certificate chain", "trust", "self signed", "self-signed"))
        {
            return (
                "its certificate is not issued by an authority this machine trusts (a self-signed certificate, a company proxy that inspects TLS, or a chain the server sends incomplete).",
                "If the address is right, install the issuing authority's certificate in this machine's trusted store (ask the network team about an inspecting proxy); -SkipCertificateCheck only for a test server.");
        }

        return (
            "the TLS handshake did not complete.",
            "Check the address, and that " + host + " offers TLS 1.2 or 1.3 with a certificate this machine trusts.");
    }

    /// <summary>The messages of the exception's chain, without the ones that only say "see inner exception".</summary>
    private static string RuntimeWords(Exception e)
    {
        var words = new System.Text.StringBuilder();
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current.Message.IndexOf("inner exception", StringComparison.OrdinalIgnoreCase) < 0 && words.ToString().IndexOf(current.Message, StringComparison.Ordinal) < 0)
            {
                words.Append(words.Length > 0 ? " " : string.Empty).Append(current.Message.Trim());
            }
        }

        return words.Length > 0 ? words.ToString() : e.Message;
    }

    private static bool Has(string text, params string[] words) =>
        Array.Exists(words, word => text.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0);
}
