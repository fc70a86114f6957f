using System;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;

namespace CubePS.Http;

/// <summary>
/// Turns a reply with a failed status (or a success other than a whole page) into the CubeException a script can act on: the id and
/// category the status stands for, whether a retry may help, and the start of the server's reply.
/// </summary>
internal static class StatusErrors
{
    private const int ErrorReplyLimit = 4096;

    public static async Task<CubeException> DescribeAsync(HttpResponseMessage response, RequestContext context, Connection connection, TimeSpan timeLeft, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var statusText = string.Format(CultureInfo.InvariantCulture, "{0} {1}", status, ServerText.Quote(response.ReasonPhrase ?? response.StatusCode.ToString()));
        var reply = await ReadReplyAsync(response, context, timeLeft, cancellationToken).ConfigureAwait(false);
        var host = connection.BaseUri.GetLeftPart(UriPartial.Authority);

        CubeException error;
        if (status == 401)
        {
            // The credentials themselves: no request of this connection can succeed.
            error = context.Error(
                CubeErrorIds.AuthenticationFailed,
                CubeErrorCategory.AuthenticationError,
                string.Format(CultureInfo.InvariantCulture, "Cube at {0} rejected {1} ({2}).", host, connection.Identity, statusText));
            error.RecommendedAction = "Check the token, or the user name and password, and run Connect-Cube again.";
        }
        else if (status == 407)
        {
            error = ProxyRefused(context, connection, statusText);
        }
        else if (status == 403)
        {
            // This assignment only: the same credentials may read the others.
            error = context.Error(
                CubeErrorIds.AssignmentForbidden,
                CubeErrorCategory.PermissionDenied,
                string.Format(CultureInfo.InvariantCulture, "Cube at {0} refused {1} access to assignment {2} ({3}).", host, connection.Identity, context.AssignmentId, statusText));
            error.RecommendedAction = "Ask a Cube administrator to give the user access to this assignment.";
        }
        else if (status == 404 && context.PageNumber == 1)
        {
            error = context.Error(
                CubeErrorIds.AssignmentNotFound,
                CubeErrorCategory.ObjectNotFound,
                string.Format(CultureInfo.InvariantCulture, "Assignment {0} was not found at {1} ({2}).", context.AssignmentId, connection.Masker.MaskUri(connection.BaseUri).TrimEnd('/'), statusText));

            // A base URI with a path (…/api) finds no assignment at all: that is the likelier fault then.
            var path = connection.BaseUri.AbsolutePath;
            error.RecommendedAction = path.Length > 1
                ? "Check the base URI first: Cube's API has no path before /crm, and this one has '" + path.TrimEnd('/') + "'. Then check the assignment id in the Cube GUI."
                : "Check the assignment id in the Cube GUI.";
        }
        else if (status is >= 200 and < 300)
        {
            // 204 No Content, 206 Partial Content and the like are successes that carry no whole
            // page: taking one as a page would lose customers without a word.
            error = context.InvalidResponse(string.Format(CultureInfo.InvariantCulture, "Cube answered {0} for {1}; only 200 OK carries a whole page of customers.", statusText, context.Describe()));
            error.RecommendedAction = "Report the reply to Headshed; a proxy between may be altering it.";
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

    /// <summary>
    /// The proxy between, not Cube, wants credentials (a 407 reply, or a refused https tunnel): no
    /// request of this connection gets through, so it ends the call.
    /// </summary>
    public static CubeException ProxyRefused(RequestContext context, Connection connection, string statusText)
    {
        if (connection.Proxy is null && !SystemProxy.IsUsedFor(connection.BaseUri, context.Uri))
        {
            // No proxy is between: Cube's address itself (or something that intercepts the
            // traffic unseen) asks for proxy credentials, and no -ProxyCredential can reach it.
            var direct = context.Error(
                CubeErrorIds.ProxyAuthenticationFailed,
                CubeErrorCategory.AuthenticationError,
                string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} answered {1}, but no proxy is set for this connection (no -Proxy, and the system's proxy settings send it direct): the server at that address, or something on the network that intercepts the traffic, asks for proxy credentials. Cube's API does not.",
                    connection.BaseUri.GetLeftPart(UriPartial.Authority),
                    statusText));
            direct.RecommendedAction = "Check that the base URI is Cube's API. If the network requires a proxy, name it: Connect-Cube -Proxy <uri> -ProxyCredential (Get-Credential).";
            direct.StatusCode = 407;
            return direct;
        }

        var error = context.Error(
            CubeErrorIds.ProxyAuthenticationFailed,
            CubeErrorCategory.AuthenticationError,
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} refused to pass the request to Cube at {1} ({2}): it wants credentials of its own{3}.",
                connection.ProxyDescription,
                connection.BaseUri.GetLeftPart(UriPartial.Authority),
                statusText,
                connection.HasProxyCredential ? ", and refused the ones given" : string.Empty));
        error.RecommendedAction = "Give the proxy's user name and password with Connect-Cube -Proxy <uri> -ProxyCredential (Get-Credential), or ask who runs the proxy.";
        error.StatusCode = 407;
        return error;
    }

    /// <summary>The start of a failed reply as text: at most a few KB, whitespace collapsed, secrets masked.</summary>
    /// <param name="timeLeft">What is left of the request's -TimeoutSec: a failed reply gets no more time than a good one.</param>
    private static async Task<string?> ReadReplyAsync(HttpResponseMessage response, RequestContext context, TimeSpan timeLeft, CancellationToken cancellationToken)
    {
        // HTTP gives these no content: a body sent anyway, with no length, would only end when the
        // server closes the connection, or when -TimeoutSec runs out.
        if ((int)response.StatusCode is 204 or 205 or 304)
        {
            return null;
        }

        var buffer = new byte[ErrorReplyLimit];
        var length = 0;
        var whole = false;
        try
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeLeft > TimeSpan.Zero ? timeLeft : TimeSpan.Zero);
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer, length, buffer.Length - length, timeoutSource.Token).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            whole = length < buffer.Length;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // What came before the reply failed or ran out of time is still worth showing.
        }

        return length == 0 ? null : ReplyText.Summarize(buffer, length, context.Masker, cutShort: !whole);
    }
}
