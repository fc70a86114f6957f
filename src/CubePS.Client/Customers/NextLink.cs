using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Http;

namespace CubePS.Customers;

/// <summary>
/// The one rule for a page's <c>next</c> link, checked before any request goes to it (to read it
/// or to fetch it ahead): Cube sends an absolute http(s) URL on its own scheme, host and port.
/// Anything else is refused, never resolved as a relative path: a link of megabytes, or text that
/// is no URL, must not become a request line.
/// </summary>
internal static class NextLink
{
    /// <summary>The longest link followed, in characters: more than any server takes in a request line (8 KB is the usual limit).</summary>
    public const int MaximumLength = 8192;

    /// <summary>
    /// The page <paramref name="link"/> names. Throws CubeInvalidResponse when it is not an
    /// absolute http(s) URL of at most <see cref="MaximumLength"/> characters, and
    /// CubeUnsafeNextLink when it leaves the connection's scheme, host or port.
    /// </summary>
    public static Uri Check(string link, RequestContext context, RequestSender sender)
    {
        if (!TryParse(link, out var next))
        {
            throw context.InvalidResponse(string.Format(
                CultureInfo.InvariantCulture,
                "Cube's reply for {0} has a 'next' link that is not an absolute http(s) URL of at most {1:N0} characters, as Cube's always are: '{2}'. No request was made to it.",
                context.Describe(),
                MaximumLength,
                ServerText.Quote(sender.Masker.MaskText(link))));
        }

        sender.EnsureSameOrigin(next, CubeErrorIds.UnsafeNextLink, "Cube's reply for " + context.Describe() + " links the next page to", context);
        return next;
    }

    /// <summary>True when <paramref name="link"/> is a link <see cref="Check"/> accepts on a connection to <paramref name="baseUri"/>: one that may be fetched ahead.</summary>
    public static bool IsFollowable(string link, Uri baseUri, out Uri next) =>
        TryParse(link, out next) && CubeEndpoint.IsSameOrigin(baseUri, next);

    /// <summary>
    /// A page's identity, to find a link back to a page already read: its URI without the fragment
    /// (never sent to the server), as 128 bits of its SHA-256. Every page of a read is remembered,
    /// so each costs a few bytes whatever the length of its link.
    /// </summary>
    public static string PageKey(Uri uri)
    {
        using var sha256 = SHA256.Create();
        var hash = sha256.ComputeHash(Encoding.UTF8.GetBytes(uri.GetLeftPart(UriPartial.Query)));
        return Convert.ToBase64String(hash, 0, 16);
    }

    private static bool TryParse(string link, out Uri next)
    {
        next = null!;
        return link.Length <= MaximumLength
            && Uri.TryCreate(link, UriKind.Absolute, out next!)
            && (next.Scheme == Uri.UriSchemeHttps || next.Scheme == Uri.UriSchemeHttp);
    }
}
