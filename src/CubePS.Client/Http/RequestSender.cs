using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Logging;

namespace CubePS.Http;

/// <summary>
/// Sends the GET requests of one connection with one set of request settings: the Authorization
/// header, the timeout for the reply to begin, redirects within the connection's origin only, and
/// every transport failure as a CubeException (marked transient where a retry may help).
/// </summary>
internal sealed class RequestSender
{
    private const int MaximumRedirects = 5;

    private readonly Connection _connection;
    private readonly ICubeLog _log;

    public RequestSender(Connection connection, RequestSettings settings, ICubeLog log)
    {
        _connection = connection;
        Settings = settings;
        _log = MaskingLog.Over(log, connection.Masker);
    }

    public RequestSettings Settings { get; }

    /// <summary>Called (on any thread) each time Cube answers a request of this sender with success.</summary>
    public Action? Answered { get; set; }

    public SecretMasker Masker => _connection.Masker;

    /// <summary>
    /// Sends one GET and returns the reply once its headers are in and its status is a success.
    /// It first waits for one of the connection's request slots (fewer than -ThrottleLimit
    /// requests in flight); the timeout starts after that
    /// and covers the whole request: every redirect, the reply's headers and its body (or the
    /// start of a failed reply that an error shows).
    /// </summary>
    public async Task<CubeReply> GetAsync(RequestContext context, CancellationToken cancellationToken)
    {
        var lease = await _connection.AcquireRequestAsync(Settings.ThrottleLimit, cancellationToken).ConfigureAwait(false);
        try
        {
            // Cube asked for a longer pause than CubePS waits: nothing is sent to it before then.
            if (_connection.RateGate.Refusal(context) is { } refused)
            {
                throw refused;
            }

            var uri = context.Uri;
            var stopwatch = Stopwatch.StartNew();
            for (var redirects = 0; ; redirects++)
            {
                var response = await SendAsync(lease.Client, uri, context, stopwatch, cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                LogResponse(response, uri, stopwatch.Elapsed);

                // 203 is a 200 passed on by a proxy that may have changed headers; the body is whole.
                if (status is 200 or 203)
                {
                    CheckContentEncoding(response, context);
                    Answered?.Invoke();
                    var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    var guarded = new TimeoutReadStream(body, response, Settings.Timeout, stopwatch, context, cancellationToken);
                    return new CubeReply(response, guarded, stopwatch, lease);
                }

                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    response.Dispose();
                    uri = FollowRedirect(uri, location, redirects, context);
                    continue;
                }

                using (response)
                {
                    throw await StatusErrors.DescribeAsync(response, context, _connection, Settings.Timeout - stopwatch.Elapsed, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Throws <paramref name="errorId"/> (a SecurityError) unless <paramref name="target"/> has the
    /// connection's scheme, host and port: the only places its credentials may be sent.
    /// </summary>
    public void EnsureSameOrigin(Uri target, string errorId, string whatHappened, RequestContext context)
    {
        if (CubeEndpoint.IsSameOrigin(_connection.BaseUri, target))
        {
            return;
        }

        throw context.Error(
            errorId,
            CubeErrorCategory.SecurityError,
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} {1}, which is not {2}. CubePS sends the connection's credentials to no other scheme, host or port.",
                whatHappened,
                ServerText.Quote(Masker.MaskUri(target)),
                _connection.BaseUri.GetLeftPart(UriPartial.Authority)));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri uri, RequestContext context, Stopwatch sinceSent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Authorization", _connection.AuthorizationHeader);
        if (_log.IsVerboseEnabled)
        {
            _log.Verbose("GET " + ServerText.Quote(Masker.MaskUri(uri)));
        }

        if (_log.IsDebugEnabled)
        {
            _log.Debug(HeaderText.Describe("Request headers", client.DefaultRequestHeaders.Concat(request.Headers), Masker));
        }

        var remaining = Settings.Timeout - sinceSent.Elapsed;
        if (remaining <= TimeSpan.Zero)
        {
            throw NoAnswerInTime(context);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(remaining);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NoAnswerInTime(context);
        }
        catch (HttpRequestException e) when (TlsFailure.Find(e) is not null)
        {
            throw TlsFailure.ToError(context, uri, e, null, _connection.TlsLimitation);
        }
        catch (HttpRequestException e) when (StatusOf(e) == 407)
        {
            // An https tunnel (CONNECT) the proxy refused: .NET raises it as an exception, not a reply.
            throw StatusErrors.ProxyRefused(context, _connection, "407 Proxy Authentication Required, for the tunnel");
        }
        catch (HttpRequestException e) when (StatusOf(e) is { } tunnelStatus)
        {
            // Any other status on an exception is the proxy's answer to the tunnel (CONNECT): a
            // policy refusal (403) stays one; only a gateway that is failing may answer later.
            var error = context.ConnectionLost(
                string.Format(CultureInfo.InvariantCulture, "{0} refused the https tunnel to Cube at {1} ({2}).", _connection.ProxyDescription, uri.GetLeftPart(UriPartial.Authority), tunnelStatus),
                e);
            error.IsTransient = tunnelStatus is 502 or 503 or 504;
            error.RecommendedAction = "Ask who runs the proxy to allow " + uri.GetLeftPart(UriPartial.Authority) + ", or connect without it.";
            throw error;
        }
        catch (HttpRequestException e) when (HttpErrorKind.IsUnreadableReply(e))
        {
            // Cube was reached and answered, but not in HTTP that can be read (a garbage status
            // line, headers past the limit): the same server will answer the same way again.
            throw context.InvalidResponse(
                string.Format(CultureInfo.InvariantCulture, "{0} answered {1}, but its reply is not HTTP that can be read: {2}", uri.GetLeftPart(UriPartial.Authority), context.Describe(), InnermostMessage(e)),
                e);
        }
        catch (HttpRequestException e) when (FindHostNotFound(e) is not null)
        {
            // A name that does not resolve (a typo in -Account) will not resolve on a retry either.
            var error = context.ConnectionLost(
                string.Format(CultureInfo.InvariantCulture, "The host name {0} could not be found (DNS): check the account name or base URI.", uri.Host),
                e);
            error.IsTransient = false;
            error.RecommendedAction = "Check -Account (the first part of https://<account>.headshed.com) or -BaseUri, and the machine's DNS.";
            throw error;
        }
        catch (HttpRequestException e)
        {
            throw context.ConnectionLost(
                string.Format(CultureInfo.InvariantCulture, "Could not reach Cube at {0}{1}: {2}", uri.GetLeftPart(UriPartial.Authority), _connection.ThroughProxy, InnermostMessage(e)),
                e);
        }
        catch (IOException e)
        {
            throw context.ConnectionLost(
                string.Format(CultureInfo.InvariantCulture, "The connection to {0} failed: {1}", uri.GetLeftPart(UriPartial.Authority), InnermostMessage(e)),
                e);
        }
    }

    /// <summary>
    /// Refuses a body in an encoding the handler did not undo (br, compress, a name nobody
    /// knows): read as JSON it would only be "not valid JSON near byte 0". The handler asks for
    /// gzip and deflate and undoes the last one; what is left names what was not undone.
    /// </summary>
    private static void CheckContentEncoding(HttpResponseMessage response, RequestContext context)
    {
        foreach (var encoding in response.Content.Headers.ContentEncoding)
        {
            if (encoding.Equals("identity", StringComparison.OrdinalIgnoreCase)
                || encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase)
                || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase)
                || encoding.Equals("deflate", StringComparison.OrdinalIgnoreCase))
            {
                // Undone already, or left for the page reader, which tells compressed bytes by their start.
                continue;
            }

            response.Dispose();
            throw context.InvalidResponse(string.Format(
                CultureInfo.InvariantCulture,
                "Cube's reply for {0} is encoded as '{1}' (Content-Encoding), which CubePS does not decode: it asks for gzip or deflate (Accept-Encoding) and reads those, or a reply that is not compressed.",
                context.Describe(),
                ServerText.Quote(encoding)));
        }
    }

    private CubeException NoAnswerInTime(RequestContext context) =>
        context.TimedOut(string.Format(CultureInfo.InvariantCulture, "Cube did not answer within {0} s (-TimeoutSec, counted from the request over any redirects).", Settings.TimeoutSec));

    private Uri FollowRedirect(Uri from, Uri location, int redirectsSoFar, RequestContext context)
    {
        var target = location.IsAbsoluteUri ? location : new Uri(from, location);
        EnsureSameOrigin(target, CubeErrorIds.UnsafeRedirect, "Cube redirected " + context.DisplayUri + " to", context);

        if (redirectsSoFar >= MaximumRedirects)
        {
            throw context.InvalidResponse(string.Format(CultureInfo.InvariantCulture, "Cube redirected {0} more than {1} times.", context.DisplayUri, MaximumRedirects));
        }

        _log.Verbose("Following the redirect to " + ServerText.Quote(Masker.MaskUri(target)));
        return target;
    }

    private void LogResponse(HttpResponseMessage response, Uri uri, TimeSpan elapsed)
    {
        if (_log.IsVerboseEnabled)
        {
            var length = response.Content.Headers.ContentLength;
            _log.Verbose(string.Format(
                CultureInfo.InvariantCulture,
                "GET {0} answered {1} {2} in {3:N0} ms ({4}{5})",
                ServerText.Quote(Masker.MaskUri(uri)),
                (int)response.StatusCode,
                ServerText.Quote(response.ReasonPhrase ?? string.Empty),
                elapsed.TotalMilliseconds,
                ServerText.Quote(response.Content.Headers.ContentType?.ToString() ?? "no content type"),
                length.HasValue ? string.Format(CultureInfo.InvariantCulture, ", {0:N0} bytes", length.Value) : string.Empty));
        }

        if (_log.IsDebugEnabled)
        {
            _log.Debug(HeaderText.Describe("Response headers", response.Headers.Concat(response.Content.Headers), Masker));
        }
    }

    /// <summary>The status an HttpRequestException carries (.NET 5 and later; netstandard2.0 cannot name the property).</summary>
    private static int? StatusOf(HttpRequestException e) =>
        HttpRequestExceptionStatus?.GetValue(e) is HttpStatusCode status ? (int)status : null;

    private static readonly System.Reflection.PropertyInfo? HttpRequestExceptionStatus = typeof(HttpRequestException).GetProperty("StatusCode");

    /// <summary>The DNS failure in <paramref name="e"/>'s chain that says the name does not exist (not a passing lookup failure).</summary>
    private static SocketException? FindHostNotFound(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } found)
            {
                return found;
            }
        }

        return null;
    }

    internal static string InnermostMessage(Exception e)
    {
        var current = e;
        while (current.InnerException is not null)
        {
            current = current.InnerException;
        }

        // .NET's outer message often repeats the inner one ("Connection refused (host:1)" over "Connection refused").
        // It may quote the reply (an invalid status line or header), so it is trimmed as server text.
        return ServerText.Quote(current == e || e.Message.IndexOf(current.Message, StringComparison.Ordinal) >= 0 ? e.Message : e.Message + " " + current.Message, ServerText.MaximumQuoted * 2);
    }
}
