using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Http;

/// <summary>
/// Sends GET requests for one connection and one set of request settings: authorization, the
/// header timeout, same-origin redirects, the mapping of failed statuses to CubeExceptions, and
/// the retry loop around any unit of work that may fail transiently.
/// </summary>
internal sealed class CubeHttp
{
    private const int MaximumRedirects = 5;
    private const int ErrorReplyLimit = 4096;

    private readonly Connection _connection;
    private readonly ICubeLog _log;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Random _random = new();

    public CubeHttp(Connection connection, RequestSettings settings, ICubeLog log, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _connection = connection;
        Settings = settings;
        _log = log;
        _delay = delay ?? Task.Delay;
    }

    public RequestSettings Settings { get; }

    public SecretMasker Masker => _connection.Masker;

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, fails for good, or the retries are used up.
    /// Each wait is logged and ends at once when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var retry = 1; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (CubeException e) when (e.IsTransient && retry <= Settings.MaximumRetryCount && !cancellationToken.IsCancellationRequested)
            {
                double random01;
                lock (_random)
                {
                    random01 = _random.NextDouble();
                }

                var wait = RetryPolicy.ComputeDelay(retry, Settings.RetryInterval, e.RetryAfter, random01);
                _log.Verbose(string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} Retry {1} of {2} in {3:0.0} s{4}.",
                    e.Message,
                    retry,
                    Settings.MaximumRetryCount,
                    wait.TotalSeconds,
                    e.RetryAfter.HasValue ? " (the server's Retry-After)" : string.Empty));
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends one GET and returns the reply once its headers are in and its status is a success.
    /// A failure becomes a CubeException, marked transient where a retry may help.
    /// </summary>
    public async Task<CubeReply> GetAsync(RequestContext context, CancellationToken cancellationToken)
    {
        var uri = context.Uri;
        for (var redirects = 0; ; redirects++)
        {
            var stopwatch = Stopwatch.StartNew();
            var response = await SendAsync(uri, context, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            LogResponse(response, uri, stopwatch.Elapsed);

            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var guarded = new TimeoutReadStream(body, response, Settings.Timeout, cancellationToken, context);
                return new CubeReply(response, guarded, stopwatch);
            }

            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                uri = FollowRedirect(uri, location, redirects, context);
                continue;
            }

            using (response)
            {
                throw await DescribeFailureAsync(response, context, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, RequestContext context, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Authorization", _connection.CreateAuthorizationHeaderValue());
        var client = _connection.GetHttpClient();
        if (_log.IsVerboseEnabled)
        {
            _log.Verbose("GET " + Masker.MaskUri(uri));
        }

        if (_log.IsDebugEnabled)
        {
            _log.Debug(DescribeHeaders("Request headers", client.DefaultRequestHeaders.Concat(request.Headers)));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.Timeout);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw context.TimedOut(string.Format(CultureInfo.InvariantCulture, "Cube did not answer within {0} s.", Settings.TimeoutSec));
        }
        catch (HttpRequestException e) when (FindInner<AuthenticationException>(e) is { } tls)
        {
            throw context.Error(
                CubeErrorIds.CertificateRejected,
                CubeErrorCategory.SecurityError,
                string.Format(CultureInfo.InvariantCulture, "The secure connection to {0} failed: {1}", uri.GetLeftPart(UriPartial.Authority), tls.Message),
                e);
        }
        catch (HttpRequestException e)
        {
            throw context.ConnectionLost(
                string.Format(CultureInfo.InvariantCulture, "Could not reach Cube at {0}: {1}", uri.GetLeftPart(UriPartial.Authority), InnermostMessage(e)),
                e);
        }
        catch (IOException e)
        {
            throw context.ConnectionLost(
                string.Format(CultureInfo.InvariantCulture, "The connection to {0} failed: {1}", uri.GetLeftPart(UriPartial.Authority), e.Message),
                e);
        }
    }

    private Uri FollowRedirect(Uri from, Uri location, int redirectsSoFar, RequestContext context)
    {
        var target = location.IsAbsoluteUri ? location : new Uri(from, location);
        EnsureSameOrigin(target, CubeErrorIds.UnsafeRedirect, "Cube redirected " + context.DisplayUri + " to", context);

        if (redirectsSoFar >= MaximumRedirects)
        {
            throw context.InvalidResponse(string.Format(CultureInfo.InvariantCulture, "Cube redirected {0} more than {1} times.", context.DisplayUri, MaximumRedirects));
        }

        _log.Verbose("Following the redirect to " + Masker.MaskUri(target));
        return target;
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
                Masker.MaskUri(target),
                _connection.BaseUri.GetLeftPart(UriPartial.Authority)));
    }

    private async Task<CubeException> DescribeFailureAsync(HttpResponseMessage response, RequestContext context, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var statusText = string.Format(CultureInfo.InvariantCulture, "{0} {1}", status, response.ReasonPhrase ?? response.StatusCode.ToString());
        var reply = await ReadErrorReplyAsync(response, cancellationToken).ConfigureAwait(false);
        var host = _connection.BaseUri.GetLeftPart(UriPartial.Authority);

        CubeException error;
        if (status == 401 || status == 403)
        {
            var message = status == 401
                ? string.Format(CultureInfo.InvariantCulture, "Cube at {0} rejected {1} ({2}).", host, _connection.Identity, statusText)
                : string.Format(CultureInfo.InvariantCulture, "Cube at {0} refused {1} access to assignment {2} ({3}).", host, _connection.Identity, context.AssignmentId, statusText);
            error = context.Error(
                CubeErrorIds.AuthenticationFailed,
                status == 401 ? CubeErrorCategory.AuthenticationError : CubeErrorCategory.PermissionDenied,
                message);
            error.RecommendedAction = status == 401
                ? "Check the token, or the user name and password, and run Connect-Cube again."
                : "Ask a Cube administrator to give the user access to this assignment.";
        }
        else if (status == 404 && context.PageNumber == 1)
        {
            error = context.Error(
                CubeErrorIds.AssignmentNotFound,
                CubeErrorCategory.ObjectNotFound,
                string.Format(CultureInfo.InvariantCulture, "Assignment {0} was not found at {1} ({2}).", context.AssignmentId, host, statusText));
            error.RecommendedAction = "Check the assignment id in the Cube GUI.";
        }
        else
        {
            var transient = RetryPolicy.IsRetryableStatus(status);
            var category = status == 429 ? CubeErrorCategory.LimitsExceeded
                : status == 408 ? CubeErrorCategory.OperationTimeout
                : status >= 500 ? CubeErrorCategory.ResourceUnavailable
                : CubeErrorCategory.InvalidOperation;
            error = context.Error(
                CubeErrorIds.RequestFailed,
                category,
                string.Format(CultureInfo.InvariantCulture, "Cube answered {0} for {1}.", statusText, context.Describe()));
            error.IsTransient = transient;
            error.RetryAfter = transient ? RetryPolicy.ReadRetryAfter(response, DateTimeOffset.UtcNow) : null;
            error.RecommendedAction = transient
                ? "Cube is busy or failing; try again later, or raise -MaximumRetryCount and -RetryIntervalSec."
                : "Check the request; report the reply to Headshed if it persists.";
        }

        error.StatusCode = status;
        error.ResponseText = reply;
        return error;
    }

    /// <summary>The start of a failed reply as text: at most a few KB, whitespace collapsed, secrets masked.</summary>
    private async Task<string?> ReadErrorReplyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Settings.Timeout);
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[ErrorReplyLimit];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer, length, buffer.Length - length, timeout.Token).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            // A full buffer may end inside a secret, where masking cannot see it whole: drop that edge.
            var shown = length == buffer.Length ? length - 256 : length;
            return shown == 0 ? null : ReplyText.Summarize(buffer, shown, Masker);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private void LogResponse(HttpResponseMessage response, Uri uri, TimeSpan elapsed)
    {
        if (_log.IsVerboseEnabled)
        {
            var length = response.Content.Headers.ContentLength;
            _log.Verbose(string.Format(
                CultureInfo.InvariantCulture,
                "GET {0} answered {1} {2} in {3:N0} ms ({4}{5})",
                Masker.MaskUri(uri),
                (int)response.StatusCode,
                response.ReasonPhrase,
                elapsed.TotalMilliseconds,
                response.Content.Headers.ContentType?.ToString() ?? "no content type",
                length.HasValue ? string.Format(CultureInfo.InvariantCulture, ", {0:N0} bytes", length.Value) : string.Empty));
        }

        if (_log.IsDebugEnabled)
        {
            _log.Debug(DescribeHeaders("Response headers", response.Headers.Concat(response.Content.Headers)));
        }
    }

    private string DescribeHeaders(string title, System.Collections.Generic.IEnumerable<System.Collections.Generic.KeyValuePair<string, System.Collections.Generic.IEnumerable<string>>> headers)
    {
        var text = new StringBuilder(title).Append(':');
        foreach (var header in headers)
        {
            var isSecret = header.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase);
            foreach (var value in header.Value)
            {
                var shown = isSecret ? MaskCredential(value) : Masker.MaskText(value);
                text.Append(' ').Append(header.Key).Append(": ").Append(shown).Append(';');
            }
        }

        return text.ToString();
    }

    private static string MaskCredential(string value)
    {
        // Keep the scheme ("Token", "Basic") so Debug shows which kind was sent.
        var space = value.IndexOf(' ');
        return space > 0 && space < 20 ? value.Substring(0, space) + " " + SecretMasker.Mask : SecretMasker.Mask;
    }

    private static T? FindInner<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    private static string InnermostMessage(Exception e)
    {
        var current = e;
        while (current.InnerException is not null)
        {
            current = current.InnerException;
        }

        return current == e ? e.Message : e.Message + " " + current.Message;
    }
}

/// <summary>A successful reply whose body has not been read yet.</summary>
internal sealed class CubeReply : IDisposable
{
    private readonly HttpResponseMessage _response;

    public CubeReply(HttpResponseMessage response, TimeoutReadStream body, Stopwatch stopwatch)
    {
        _response = response;
        Body = body;
        Stopwatch = stopwatch;
    }

    public TimeoutReadStream Body { get; }

    public Stopwatch Stopwatch { get; }

    public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

    public void Dispose()
    {
        Body.Dispose();
        _response.Dispose();
    }
}
