using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.Http;
using System.Reflection;

namespace CubePS.Http;

/// <summary>
/// The kind of an HTTP failure as .NET 8 and later name it (HttpRequestError on
/// HttpRequestException, and on HttpIOException for a body that breaks while it is read), by name,
/// so that a reply that is not HTTP (a broken chunk, a garbage status line) is told from a
/// connection that dropped. Null where the runtime does not say (netstandard2.0 cannot name the
/// property; .NET Framework has none).
/// </summary>
internal static class HttpErrorKind
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> Properties = new();

    /// <summary>The first kind named in <paramref name="e"/>'s chain, such as "InvalidResponse" or "ResponseEnded".</summary>
    public static string? Of(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            var property = Properties.GetOrAdd(current.GetType(), type => type.GetProperty("HttpRequestError"));
            if (property?.GetValue(current)?.ToString() is { } kind && kind != "Unknown")
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>True for the kinds that say the server's reply broke HTTP's rules: the same server will break them again.</summary>
    public static bool IsUnreadableReply(Exception e) => Of(e) is "InvalidResponse" or "ConfigurationLimitExceeded";

    /// <summary>
    /// True for a failure of a body read that says the body's HTTP framing is broken. Besides the
    /// kinds above, .NET raises some framing faults from the body read (a chunk-size line past its
    /// limit: "The HTTP/1.1 response chunk was too large") as a bare HttpRequestException with no
    /// kind and no cause; a connection that breaks while the body is read is an IOException or has
    /// one inside, and a reply that ends early is kind ResponseEnded.
    /// </summary>
    public static bool IsUnreadableBody(Exception e) =>
        IsUnreadableReply(e)
        || (e is HttpRequestException { InnerException: null } && e is not IOException && Of(e) is null);
}
