using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Http;
using CubePS.Logging;
using CubePS.Pages;
using CubePS.Storage;

namespace CubePS.Customers;

/// <summary>
/// Downloads the customers of assignments into a <see cref="CustomerCollection"/>: the first page,
/// then every <c>next</c> page until there is none, each page complete or retried, every link
/// checked before credentials go to it. An assignment is all of its records or an error: when it
/// fails, what it added to the collection is taken out again.
/// </summary>
internal sealed class CustomerDownloader
{
    /// <summary>At most this many pages are fetched ahead of the one being read.</summary>
    internal const int MaximumPagesAhead = 4;

    /// <summary>Pages fetched ahead are held in memory; together they stay under this.</summary>
    internal const long PrefetchMemoryBudget = 32L * 1024 * 1024;

    private readonly Connection _connection;
    private readonly RequestSender _sender;
    private readonly RetryLoop _retries;
    private readonly ICubeLog _log;

    public CustomerDownloader(Connection connection, RequestSettings settings, ICubeLog log)
        : this(connection, new RequestSender(connection, settings, log), new RetryLoop(settings, log), log)
    {
    }

    public CustomerDownloader(Connection connection, RequestSender sender, RetryLoop retries, ICubeLog log)
    {
        _connection = connection;
        _sender = sender;
        _retries = retries;
        _log = log;
    }

    /// <summary>
    /// Adds the customers of <paramref name="assignmentId"/> to <paramref name="into"/>, only
    /// those in <paramref name="customerIds"/> when it is not null. Throws a CubeException when the
    /// assignment cannot be read whole; the collection is then as it was before the call.
    /// </summary>
    public async Task DownloadAsync(int assignmentId, IReadOnlyCollection<long>? customerIds, CustomerCollection into, CancellationToken cancellationToken)
    {
        if (assignmentId < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(assignmentId), assignmentId, "Assignment ids start at 1.");
        }

        var mark = into.Mark();
        try
        {
            await DownloadPagesAsync(assignmentId, new CollectingSink(into, customerIds), into, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            into.Rollback(mark);
            throw;
        }
    }

    private async Task DownloadPagesAsync(int assignmentId, CollectingSink sink, CustomerCollection into, CancellationToken cancellationToken)
    {
        var pageUri = CubeEndpoint.CustomersUri(_connection.BaseUri, assignmentId);
        var visited = new HashSet<string>(StringComparer.Ordinal) { pageUri.AbsoluteUri };
        using var prefetcher = new PagePrefetcher((uri, page, token) => FetchWholeAsync(new RequestContext(assignmentId, page, uri, _sender.Masker), token), cancellationToken);
        PagePredictor? predictor = null;
        long received = 0;
        long? expected = null;
        var readToEnd = false;

        for (var pageNumber = 1; ; pageNumber++)
        {
            var context = new RequestContext(assignmentId, pageNumber, pageUri, _sender.Masker);
            var fetched = prefetcher.Take(pageUri);
            var page = fetched is not null
                ? await ParseFetchedAsync(fetched, sink, context, cancellationToken).ConfigureAwait(false)
                : await FetchAndParseAsync(context, sink, into, link => PrefetchNamedLink(prefetcher, pageUri, pageNumber + 1, link, visited, into), cancellationToken).ConfigureAwait(false);

            received += page.Records;
            expected = page.Count ?? expected;
            _log.Progress(new DownloadProgress(assignmentId, pageNumber, received, expected));
            if (page.Stopped || into.IsFull)
            {
                break;
            }

            if (page.Next is null)
            {
                readToEnd = true;
                break;
            }

            var next = CheckNextLink(pageUri, page.Next, context);
            if (!visited.Add(next.AbsoluteUri))
            {
                throw context.InvalidResponse(string.Format(
                    CultureInfo.InvariantCulture,
                    "Cube's reply for {0} links back to a page already read ({1}); following it would loop forever.",
                    context.Describe(),
                    _sender.Masker.MaskUri(next)));
            }

            if (pageNumber == 1)
            {
                predictor = PagePredictor.TryCreate(next, page.Records, page.Count);
                prefetcher.Window = PagesAhead(page.Bytes);
            }
            else if (predictor is not null && !predictor.Predicts(pageNumber + 1, next))
            {
                _log.Debug("The next link is not the predicted one; reading the remaining pages one after another.");
                predictor = null;
                prefetcher.CancelAllExcept(next);
            }

            if (predictor is not null)
            {
                var pagesAhead = PagesWorthFetching(into, sink.Filter.IsActive, page.Records, prefetcher.Window);
                for (var ahead = pageNumber + 1; ahead <= Math.Min(predictor.LastPage, pageNumber + pagesAhead); ahead++)
                {
                    prefetcher.Start(predictor.UriFor(ahead), ahead);
                }
            }

            pageUri = next;
        }

        if (readToEnd)
        {
            into.AddServerTotal(received);
            if (expected is { } count && count != received)
            {
                _log.Warning(string.Format(
                    CultureInfo.InvariantCulture,
                    "Cube said assignment {0} holds {1:N0} customers but sent {2:N0}; records may have been added or removed while the pages were read.",
                    assignmentId,
                    count,
                    received));
            }
        }
        else
        {
            into.AddServerTotal(expected);
        }
    }

    /// <summary>
    /// How many pages beyond the current one to fetch: the window, or with -First and no filter
    /// only the pages that can still hold a wanted record, so -First requests nothing it does not use.
    /// </summary>
    private static int PagesWorthFetching(CustomerCollection into, bool hasFilters, int recordsPerPage, int window)
    {
        if (into.RecordsStillWanted is not { } wanted || hasFilters || recordsPerPage <= 0)
        {
            return window;
        }

        var pages = (wanted + (ulong)recordsPerPage - 1) / (ulong)recordsPerPage;
        return (int)Math.Min((ulong)window, pages);
    }

    /// <summary>How many pages to fetch ahead, so that those held in memory stay within the budget.</summary>
    private static int PagesAhead(long pageBytes) =>
        (int)Math.Max(1, Math.Min(MaximumPagesAhead, PrefetchMemoryBudget / Math.Max(1, pageBytes)));

    /// <summary>
    /// Reads one page while it arrives, each attempt from the start: records of an attempt that
    /// fails are taken out of the collection before the next attempt, so none is doubled or lost.
    /// </summary>
    private Task<PageSummary> FetchAndParseAsync(RequestContext context, CollectingSink sink, CustomerCollection into, Action<string> onNextLink, CancellationToken cancellationToken) =>
        _retries.RunAsync(
            async token =>
            {
                var mark = into.Mark();
                try
                {
                    using var reply = await _sender.GetAsync(context, token).ConfigureAwait(false);
                    var page = await new PageReader(sink, context, onNextLink).ParseAsync(reply.Body, reply.ContentType, token).ConfigureAwait(false);
                    LogBody(context, page.Bytes, reply.Stopwatch.Elapsed);
                    return page;
                }
                catch
                {
                    into.Rollback(mark);
                    throw;
                }
            },
            cancellationToken);

    /// <summary>Fetches a whole page into memory (retrying as needed) for reading later.</summary>
    private Task<SegmentedBuffer> FetchWholeAsync(RequestContext context, CancellationToken cancellationToken)
    {
        return _retries.RunAsync(
            async token =>
            {
                using var reply = await _sender.GetAsync(context, token).ConfigureAwait(false);
                var body = new SegmentedBuffer();
                try
                {
                    await body.FillAsync(reply.Body, token).ConfigureAwait(false);
                }
                catch
                {
                    body.Dispose();
                    throw;
                }

                LogBody(context, body.Length, reply.Stopwatch.Elapsed);
                return body;
            },
            cancellationToken);
    }

    private static async Task<PageSummary> ParseFetchedAsync(Task<SegmentedBuffer> fetched, CollectingSink sink, RequestContext context, CancellationToken cancellationToken)
    {
        using var body = await fetched.ConfigureAwait(false);
        using var stream = body.OpenRead();
        return await new PageReader(sink, context).ParseAsync(stream, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts fetching the page a <c>next</c> link names, when that link is one CubePS would follow.</summary>
    private void PrefetchNamedLink(PagePrefetcher prefetcher, Uri pageUri, int nextPageNumber, string link, HashSet<string> visited, CustomerCollection into)
    {
        // With -First the page being read may be the last one needed: fetch nothing ahead of it.
        if (into.RecordsStillWanted is null && Uri.TryCreate(pageUri, link, out var next) && CubeEndpoint.IsSameOrigin(_connection.BaseUri, next) && !visited.Contains(next.AbsoluteUri))
        {
            prefetcher.Start(next, nextPageNumber);
        }
    }

    /// <summary>The next page's URI, when it is a URI on the connection's own scheme, host and port.</summary>
    private Uri CheckNextLink(Uri pageUri, string link, RequestContext context)
    {
        if (!Uri.TryCreate(pageUri, link, out var next) || (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp))
        {
            throw context.InvalidResponse(string.Format(
                CultureInfo.InvariantCulture,
                "Cube's reply for {0} has a 'next' link that is not an http(s) URI: '{1}'.",
                context.Describe(),
                _sender.Masker.MaskText(link)));
        }

        _sender.EnsureSameOrigin(next, CubeErrorIds.UnsafeNextLink, "Cube's reply for " + context.Describe() + " links the next page to", context);
        return next;
    }

    private void LogBody(RequestContext context, long bytes, TimeSpan elapsed)
    {
        if (_log.IsVerboseEnabled)
        {
            _log.Verbose(string.Format(CultureInfo.InvariantCulture, "GET {0} read {1:N0} bytes in {2:N0} ms", context.DisplayUri, bytes, elapsed.TotalMilliseconds));
        }
    }
}
