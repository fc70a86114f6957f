using System;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace CubePS.Connections;

/// <summary>
/// Where Cube lives and which URIs CubePS may send credentials to.
/// </summary>
internal static class CubeEndpoint
{
    /// <summary>Every Cube account has its own host under this domain.</summary>
    public const string AccountDomain = "headshed.com";

    /// <summary>
    /// The customer data route, relative to the base URI. The one place it is written: supporting
    /// another route (for example api/v1/assignments/{0}/customers/) is a change to this line.
    /// </summary>
    internal const string CustomersRouteTemplate = "crm/assignment_id/{0}/customers";

    // \z, not $: "$" also matches before a final line feed, so "acme\n" would pass as a label.
    private static readonly Regex HostLabel = new(@"\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Why <paramref name="account"/> cannot name a Cube account, or null when it can.</summary>
    public static string? ValidateAccount(string? account)
    {
        if (string.IsNullOrWhiteSpace(account))
        {
            return "The account name is empty. Give the first part of your Cube address: for https://acme.headshed.com it is 'acme'.";
        }

        if (!HostLabel.IsMatch(account))
        {
            return string.Format(
                CultureInfo.InvariantCulture,
                "'{0}' is not a Cube account name: it must be one DNS label of letters, digits and hyphens (for https://acme.headshed.com it is 'acme'). Use -BaseUri for any other address.",
                account);
        }

        return null;
    }

    /// <summary>The base URI of a Cube account: https://&lt;account&gt;.headshed.com/.</summary>
    public static Uri FromAccount(string account)
    {
        var problem = ValidateAccount(account);
        if (problem is not null)
        {
            throw new ArgumentException(problem);
        }

        return new Uri("https://" + account.ToLowerInvariant() + "." + AccountDomain + "/", UriKind.Absolute);
    }

    /// <summary>
    /// Why <paramref name="baseUri"/> cannot be a Cube base URI, or null when it can. The URI is
    /// shown as every URI CubePS shows: user info and secret-looking query values masked (a refused
    /// https://cube.test/?api_key=... must not put the key into $Error).
    /// </summary>
    public static string? ValidateBaseUri(Uri? baseUri)
    {
        if (baseUri is null)
        {
            return "The base URI is empty.";
        }

        if (!baseUri.IsAbsoluteUri)
        {
            return string.Format(CultureInfo.InvariantCulture, "'{0}' is a relative URI; give an absolute one such as https://acme.headshed.com.", SecretMasker.MaskRefusedUriText(baseUri.OriginalString));
        }

        if (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp)
        {
            return string.Format(CultureInfo.InvariantCulture, "'{0}' is not an http or https URI.", SecretMasker.MaskRefusedUriText(baseUri.OriginalString));
        }

        if (baseUri.Host.Length == 0)
        {
            return string.Format(CultureInfo.InvariantCulture, "'{0}' has no host.", SecretMasker.MaskRefusedUriText(baseUri.OriginalString));
        }

        if (baseUri.UserInfo.Length > 0)
        {
            return "The base URI must not carry a user name or password; use -Token or -Credential.";
        }

        if (baseUri.Query.Length > 0 || baseUri.Fragment.Length > 0)
        {
            return string.Format(CultureInfo.InvariantCulture, "'{0}' has a query or fragment; give the address that the Cube routes are appended to.", SecretMasker.MaskRefusedUriText(baseUri.OriginalString));
        }

        return null;
    }

    /// <summary>The base URI with a trailing slash, so routes append to its path instead of replacing its last segment.</summary>
    public static Uri NormalizeBaseUri(Uri baseUri)
    {
        var problem = ValidateBaseUri(baseUri);
        if (problem is not null)
        {
            throw new ArgumentException(problem);
        }

        var builder = new UriBuilder(baseUri);
        if (!builder.Path.EndsWith("/", StringComparison.Ordinal))
        {
            builder.Path += "/";
        }

        return builder.Uri;
    }

    /// <summary>True for localhost and loopback addresses, where plain http never crosses a network.</summary>
    public static bool IsLoopback(Uri uri)
    {
        if (uri.IsLoopback)
        {
            return true;
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>The customer list of one assignment.</summary>
    internal static Uri CustomersUri(Uri baseUri, int assignmentId) =>
        new(baseUri, string.Format(CultureInfo.InvariantCulture, CustomersRouteTemplate, assignmentId));

    /// <summary>
    /// True when <paramref name="candidate"/> has the scheme, host and port of <paramref name="origin"/>:
    /// the only places the connection's credentials may be sent.
    /// </summary>
    internal static bool IsSameOrigin(Uri origin, Uri candidate) =>
        candidate.IsAbsoluteUri
        && string.Equals(origin.Scheme, candidate.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(origin.Host, candidate.Host, StringComparison.OrdinalIgnoreCase)
        && origin.Port == candidate.Port;
}
