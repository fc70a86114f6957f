using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Http;
using CubePS.Logging;
using CubePS.Pages;

namespace CubePS.Diagnostics;

/// <summary>
/// Tests a connection without a download: the host name resolves, a TCP connection opens, TLS is
/// agreed (and with which version), and, given an assignment, Cube answers its first page with
/// the credentials (which says whether they are accepted, and often how many customers there
/// are). Every failure is a result, never an exception; only Ctrl+C ends it early.
/// </summary>
internal sealed class ConnectionProbe
{
    private readonly Connection _connection;
    private readonly RequestSettings _settings;
    private readonly ICubeLog _log;

    public ConnectionProbe(Connection connection, RequestSettings settings, ICubeLog log)
    {
        _connection = connection;
        _settings = settings;
        _log = MaskingLog.Over(log, connection.Masker);
    }

    public async Task<ProbeResult> RunAsync(int? assignmentId, CancellationToken cancellationToken)
    {
        var result = new ProbeResult();
        var uri = _connection.BaseUri;
        try
        {
            if (UsesProxy(uri))
            {
                // A proxy stands between: the host may not even resolve here; a request shows the way through.
                _log.Verbose("A proxy stands between this machine and " + uri.Host + ": testing through it.");
                if (assignmentId is null)
                {
                    await ProbeThroughProxyAsync(uri, result, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await ProbeTransportAsync(uri, result, cancellationToken).ConfigureAwait(false);
            }

            if (assignmentId is { } id)
            {
                await ProbeAssignmentAsync(id, result, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result.Message = "Cube's host answered" + (result.TlsProtocol is null ? "." : " over " + result.TlsProtocol + ".") + " Give -AssignmentId to check the credentials too: Cube has no request that checks them without an assignment.";
            }
        }
        catch (CubeException e)
        {
            result.Failure = e;
            result.Message = e.Message;
        }

        return result;
    }

    // A loopback base URI is always reached directly (HttpHandlerFactory), -Proxy or not.
    private bool UsesProxy(Uri uri) =>
        !CubeEndpoint.IsLoopback(_connection.BaseUri) && (_connection.Proxy is not null || SystemProxy.IsUsedFor(_connection.BaseUri, uri));

    /// <summary>
    /// Through a proxy, only a request shows that Cube's host can be reached: one GET of the base
    /// URI. Any answer from the host counts (Cube has no page there); the proxy's own refusals (407,
    /// a refused tunnel) and a gateway's failure (502, 503, 504) do not.
    /// </summary>
    private async Task ProbeThroughProxyAsync(Uri uri, ProbeResult result, CancellationToken cancellationToken)
    {
        var context = RequestContext.ForHost(uri, _connection.Masker);
        var watch = Stopwatch.StartNew();
        try
        {
            using var reply = await new RequestSender(_connection, _settings, _log).GetAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (CubeException e) when (e.StatusCode is { } status and not (407 or 502 or 503 or 504) || e.ErrorId == CubeErrorIds.UnsafeRedirect)
        {
            // The host answered, with a status or a redirect about a URI that is not one of Cube's pages.
        }

        result.Reachable = true;
        result.Latency = watch.Elapsed;
    }

    /// <summary>DNS, TCP and (for https) the TLS handshake, each with the request timeout.</summary>
    private async Task ProbeTransportAsync(Uri uri, ProbeResult result, CancellationToken cancellationToken)
    {
        var context = RequestContext.ForHost(uri, _connection.Masker);
        IPAddress[] addresses;
        try
        {
            addresses = await WithTimeout(Dns.GetHostAddressesAsync(uri.DnsSafeHost), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            var error = context.ConnectionLost(string.Format(CultureInfo.InvariantCulture, "The host name {0} could not be found (DNS): check the account name or base URI.", uri.Host), e);
            error.IsTransient = false;
            throw error;
        }

        var watch = Stopwatch.StartNew();
        using var tcp = new TcpClient(addresses[0].AddressFamily);
        try
        {
            await WithTimeout(tcp.ConnectAsync(addresses, uri.Port), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw context.ConnectionLost(string.Format(CultureInfo.InvariantCulture, "Could not connect to {0}: {1}", uri.GetLeftPart(UriPartial.Authority), e.Message), e);
        }

        result.Reachable = true;
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            string? certificateProblem = null;
            using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, chain, errors) =>
            {
                if (_connection.SkipCertificateCheck || errors == SslPolicyErrors.None)
                {
                    return true;
                }

                certificateProblem = DescribeCertificateProblem(errors, chain);
                return false;
            });
            try
            {
                var protocols = TlsPolicy.ForHandler(HttpHandlerFactory.IsNetFramework, (int)ServicePointManager.SecurityProtocol, withTls13: false) ?? SslProtocols.None;
                await WithTimeout(tls.AuthenticateAsClientAsync(uri.DnsSafeHost, null, protocols, checkCertificateRevocation: false), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                throw TlsFailure.ToError(context, uri, e, certificateProblem, _connection.TlsLimitation);
            }

            result.TlsProtocol = tls.SslProtocol.ToString();
        }

        result.Latency = watch.Elapsed;
        _log.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} answered in {1:N0} ms{2}.", uri.GetLeftPart(UriPartial.Authority), watch.Elapsed.TotalMilliseconds, result.TlsProtocol is null ? string.Empty : " over " + result.TlsProtocol));
    }

    /// <summary>Why the certificate was refused, in the words HttpClient uses for the same refusal.</summary>
    private static string DescribeCertificateProblem(SslPolicyErrors errors, X509Chain? chain)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "The remote certificate was not available.";
        }

        var problems = new List<string>();
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            problems.Add("it is not for this host name (RemoteCertificateNameMismatch)");
        }

        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var statuses = chain?.ChainStatus.Select(status => status.Status.ToString()).Distinct().ToArray() ?? Array.Empty<string>();
            problems.Add("errors in the certificate chain: " + (statuses.Length > 0 ? string.Join(", ", statuses) : "unknown"));
        }

        return "The remote certificate is invalid because of " + string.Join(" and ", problems) + ".";
    }

    /// <summary>The assignment's first page, with the credentials, read without keeping it.</summary>
    private async Task ProbeAssignmentAsync(int assignmentId, ProbeResult result, CancellationToken cancellationToken)
    {
        var context = new RequestContext(assignmentId, 1, CubeEndpoint.CustomersUri(_connection.BaseUri, assignmentId), _connection.Masker);
        try
        {
            using var reply = await new RequestSender(_connection, _settings, _log).GetAsync(context, cancellationToken).ConfigureAwait(false);
            result.Reachable = true;
            result.StatusCode = reply.StatusCode;
            result.Latency = reply.Stopwatch.Elapsed;
            var counter = new CountingSink();
            var page = await new PageReader(counter, context).ParseAsync(reply.Body, reply.ContentType, cancellationToken).ConfigureAwait(false);

            // Only a page of customers shows the credentials work: a 200 with a login form or a
            // proxy's notice in it shows nothing.
            result.Authenticated = true;
            result.Customers = page.Count ?? (page.Next is null ? counter.Records : null);
            result.Message = string.Format(
                CultureInfo.InvariantCulture,
                "Cube accepted {0} and answered assignment {1}{2}.",
                _connection.Identity,
                assignmentId,
                result.Customers is { } customers ? ": " + Counted.Of(customers, "customer") : string.Empty);
        }
        catch (CubeException e) when (e.StatusCode is { } status)
        {
            result.Reachable = true;
            result.StatusCode = status;
            // 401 refuses the credentials; Cube's own 403 and 404 (JSON, {"detail": ...}) judge the
            // assignment, so the credentials were accepted. A 404 page from something else (a
            // wrong base path) and any other status (a 5xx, 429) say nothing about them.
            result.Authenticated = status switch
            {
                401 => false,
                403 or 404 when e.ResponseText?.TrimStart().StartsWith("{", StringComparison.Ordinal) == true => true,
                _ => null,
            };
            throw;
        }
    }

    private async Task<T> WithTimeout<T>(Task<T> work, CancellationToken cancellationToken)
    {
        await WithTimeout((Task)work, cancellationToken).ConfigureAwait(false);
        return await work.ConfigureAwait(false);
    }

    /// <summary>Waits for <paramref name="work"/> no longer than the timeout; a late answer is CubeRequestTimeout.</summary>
    private async Task WithTimeout(Task work, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = await Task.WhenAny(work, Task.Delay(_settings.Timeout, timeout.Token)).ConfigureAwait(false);
        timeout.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
        if (finished != work)
        {
            _ = work.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            throw RequestContext.ForHost(_connection.BaseUri, _connection.Masker).TimedOut(string.Format(CultureInfo.InvariantCulture, "{0} did not answer within {1} s.", _connection.BaseUri.GetLeftPart(UriPartial.Authority), _settings.TimeoutSec));
        }

        await work.ConfigureAwait(false);
    }

    /// <summary>Counts the records of a page and keeps nothing.</summary>
    private sealed class CountingSink : IRecordSink
    {
        public long Records { get; private set; }

        public RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer)
        {
            if (!reader.TrySkip())
            {
                return RecordOutcome.Incomplete;
            }

            Records++;
            return RecordOutcome.Added;
        }
    }
}
