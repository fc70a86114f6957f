using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Http;
using CubePS.Logging;
using CubePS.Pages;
using CubePS.Selection;
using CubePS.Storage;

namespace CubePS.Customers;

/// <summary>
/// Downloads the customers of assignments into a <see cref="CustomerCollection"/>: the first page,
/// then every <c>next</c> page until there is none, each page complete or retried, every link
/// checked before credentials go to it, and paging that does not end stopped. An assignment is
/// all of its records or an error: when it fails, what it added is taken out again. A read that
/// shows the assignment changed under it (offset paging shifts) is repeated until two reads agree.
/// </summary>
internal sealed class CustomerDownloader
{
    /// <summary>At most this many pages are fetched ahead of the one being read.</summary>
    internal const int MaximumPagesAhead = 4;

    /// <summary>Reads of one assignment at most, when it keeps changing while it is read.</summary>
    internal const int MaximumReads = 3;

    /// <summary>Pages in a row that bring no customer not seen before, after which the paging is taken not to end.</summary>
    internal const int MaximumPagesWithoutNewCustomers = 10;

    /// <summary>
    /// Pages read at most when no page gives a count to bound them: Cube always sends one, and
    /// without it nothing else tells an endless paging from a long one.
    /// </summary>
    internal const int MaximumPagesWithoutCount = 20_000;

    /// <summary>Request slots that pages fetched ahead leave free for the pages others are waiting for.</summary>
    internal const int SlotsLeftForOthers = 2;

    private readonly Connection _connection;
    private readonly RequestSender _sender;
    private readonly RetryLoop _retries;
    private readonly ICubeLog _log;

    public CustomerDownloader(Connection connection, RequestSettings settings, ICubeLog log)
        : this(connection, new RequestSender(connection, settings, log), new RetryLoop(settings, MaskingLog.Over(log, connection.Masker), gate: connection.RateGate), log)
    {
    }

    /// <summary>
    /// An assignment whose reads never agreed (customers added or removed meanwhile may be
    /// missing) fails with CubeIncompleteRead instead of being kept with a warning (-RequireCompleteRead).
    /// </summary>
    public bool FailWhenIncomplete { get; set; }

    public CustomerDownloader(Connection connection, RequestSender sender, RetryLoop retries, ICubeLog log)
    {
        _connection = connection;
        _sender = sender;
        _retries = retries;
        _log = MaskingLog.Over(log, connection.Masker);
    }

    /// <summary>The call's budget for pages held ahead (shared with <see cref="ReadAhead"/>); one of its own by default.</summary>
    public ReadAheadBudget Budget { get; set; } = new();

    /// <summary>The call's assignments fetched ahead, whose pages a read takes before requesting them itself; null: none.</summary>
    public AssignmentReadAhead? ReadAhead { get; set; }

    /// <summary>Where this assignment stands in its call, for progress: assignments done before it, and in all.</summary>
    public (int Done, int Total) Position { get; set; } = (0, 1);

    /// <summary>Fetches a whole page within the budget (retrying as needed), for reading later; the read-ahead of the call uses it too.</summary>
    internal Task<FetchedPage> FetchAheadAsync(RequestContext context, CancellationToken cancellationToken) => FetchWholeAsync(context, cancellationToken);

    /// <summary>
    /// Adds the customers of <paramref name="assignmentId"/> to <paramref name="into"/>, only
    /// those in <paramref name="customerIds"/> when it is not null. Throws a CubeException when the
    /// assignment cannot be read whole; the collection is then as it was before the call.
    /// </summary>
    public async Task<DownloadResult> DownloadAsync(int assignmentId, WantedCustomerIds? customerIds, CustomerCollection into, CancellationToken cancellationToken)
    {
        if (assignmentId < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(assignmentId), assignmentId, "Assignment ids start at 1.");
        }

        var mark = into.Mark();
        AssignmentRead? previous = null;
        for (var attempt = 1; ; attempt++)
        {
            var sink = new CollectingSink(into, customerIds);
            AssignmentRead read;
            try
            {
                read = await ReadPagesAsync(assignmentId, sink, into, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                into.Rollback(mark);
                throw;
            }
            finally
            {
                // A read again requests every page anew; what was fetched ahead of this one is freed.
                ReadAhead?.Forget(assignmentId);
            }

            var settled = !read.ShowsChange || (previous is not null && read.Agrees(previous));
            if (!settled && attempt < MaximumReads)
            {
                _log.Verbose(string.Format(
                    CultureInfo.InvariantCulture,
                    "Assignment {0} changed while it was read ({1}); reading it again ({2} of at most {3} reads).",
                    assignmentId,
                    DescribeChange(read),
                    attempt + 1,
                    MaximumReads));
                into.Rollback(mark);
                previous = read;
                continue;
            }

            if (!settled && FailWhenIncomplete)
            {
                into.Rollback(mark);
                throw Incomplete(assignmentId, read, attempt);
            }

            Settle(assignmentId, read, settled, attempt, into);
            return new DownloadResult(read.ReadToEnd ? read.Distinct : read.LastCount, Missing(customerIds, read, sink));
        }
    }

    private static CubeException Incomplete(int assignmentId, AssignmentRead read, int reads) =>
        new(
            CubeErrorIds.IncompleteRead,
            CubeErrorCategory.InvalidData,
            string.Format(
                CultureInfo.InvariantCulture,
                "Assignment {0} kept changing while it was read ({1}), and {2} reads never agreed: customers added or removed meanwhile may be missing, so none of its customers are kept (-RequireCompleteRead).",
                assignmentId,
                DescribeChange(read),
                reads),
            assignmentId)
        {
            RecommendedAction = "Run the call again when fewer changes are made in Cube (such as at night), or leave out -RequireCompleteRead to keep what was read with a warning.",
        };

    private static List<string> Missing(WantedCustomerIds? customerIds, AssignmentRead read, CollectingSink sink) =>
        customerIds is not null && read.ReadToEnd ? new List<string>(customerIds.NotIn(sink.Ids)) : new List<string>();

    private static string DescribeChange(AssignmentRead read)
    {
        var signs = new List<string>();
        if (read.CountChanged)
        {
            signs.Add(string.Format(CultureInfo.InvariantCulture, "its count went from {0:N0} to {1:N0}", read.FirstCount, read.LastCount));
        }

        if (read.Duplicates > 0)
        {
            signs.Add(string.Format(CultureInfo.InvariantCulture, "{0} came twice (customer_id {1})", Counted.Of(read.Duplicates, "customer"), string.Join(", ", read.DuplicateIds)));
        }

        if (read.ReadToEnd && read.LastCount is { } count && count != read.Distinct)
        {
            signs.Add(string.Format(CultureInfo.InvariantCulture, "Cube announced {0:N0} customers and sent {1:N0} different ones", count, read.Distinct));
        }

        return string.Join("; ", signs);
    }

    /// <summary>Accounts for the read that is kept, and says what it may lack.</summary>
    private void Settle(int assignmentId, AssignmentRead read, bool settled, int reads, CustomerCollection into)
    {
        into.AddServerTotal(read.ReadToEnd ? read.Distinct : read.LastCount);
        if (read.WithRepeatedKey > 0)
        {
            _log.Warning(string.Format(
                CultureInfo.InvariantCulture,
                "Assignment {0}: {1} a key more than once (such as {2}); the last value of such a key is kept, as ConvertFrom-Json keeps it (JSON Lines exports write the record as Cube sent it).",
                assignmentId,
                Counted.Of(read.WithRepeatedKey, "customer record has", "customer records have"),
                read.RepeatedKeyExample));
        }

        if (!read.ShowsChange)
        {
            return;
        }

        if (!settled)
        {
            _log.Warning(string.Format(
                CultureInfo.InvariantCulture,
                "Assignment {0} kept changing while it was read ({1}), and {2} reads never agreed: the call goes on with the {3} it has, each once, but customers added or removed meanwhile may be missing (-RequireCompleteRead fails the assignment instead, with CubeIncompleteRead).",
                assignmentId,
                DescribeChange(read),
                reads,
                Counted.Of(read.Distinct, "customer")));
        }
        else if (read.Duplicates > 0 || (read.LastCount is { } count && count != read.Distinct))
        {
            // Two reads agree: what is odd is the data itself, not a change during the read.
            _log.Warning(string.Format(
                CultureInfo.InvariantCulture,
                "Assignment {0}: {1}. Read twice with the same result; its {2:N0} different customers are written, each once.",
                assignmentId,
                DescribeChange(read),
                read.Distinct));
        }
    }

    private async Task<AssignmentRead> ReadPagesAsync(int assignmentId, CollectingSink sink, CustomerCollection into, CancellationToken cancellationToken)
    {
        var pageUri = CubeEndpoint.CustomersUri(_connection.BaseUri, assignmentId);
        var visited = new HashSet<string>(StringComparer.Ordinal) { NextLink.PageKey(pageUri) };
        using var prefetcher = new PagePrefetcher((uri, page, token) => FetchWholeAsync(new RequestContext(assignmentId, page, uri, _sender.Masker), token), NextLink.PageKey, cancellationToken);
        PagePredictor? predictor = null;
        var read = new AssignmentRead();
        var pagesWithoutNewCustomers = 0;
        long largestPage = 0;

        for (var pageNumber = 1; ; pageNumber++)
        {
            var context = new RequestContext(assignmentId, pageNumber, pageUri, _sender.Masker);
            var distinctBefore = sink.Ids.Count;
            var withoutIdBefore = sink.WithoutId;
            var fetched = prefetcher.Take(pageUri) ?? ReadAhead?.Take(assignmentId, pageUri);
            var held = fetched is null ? null : await fetched.ConfigureAwait(false);
            PageSummary page;
            if (held is { IsHeld: true })
            {
                using (held)
                {
                    page = await ParseFetchedAsync(held, sink, context, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                // Not fetched ahead, or too large for the budget: read as it arrives, under the same limits.
                page = await FetchAndParseAsync(context, sink, into, link => PrefetchNamedLink(prefetcher, assignmentId, pageUri, pageNumber + 1, link, visited, into), cancellationToken).ConfigureAwait(false);
            }

            Note(read, page, sink);
            _log.Progress(new DownloadProgress(assignmentId, pageNumber, sink.Received, read.LastCount)
            {
                AssignmentsDone = Position.Done,
                AssignmentsTotal = Position.Total,
                CustomersSoFar = into.RecordsReceived,
            });
            if (page.Stopped || into.IsFull)
            {
                return read;
            }

            if (page.Next is null)
            {
                read.ReadToEnd = true;
                return read;
            }

            // A record without a customer_id cannot be shown to be old: it counts as new.
            var broughtNew = sink.Ids.Count > distinctBefore || sink.WithoutId > withoutIdBefore;
            pagesWithoutNewCustomers = broughtNew ? 0 : pagesWithoutNewCustomers + 1;
            CheckPagingEnds(read, sink, pagesWithoutNewCustomers, pageNumber, context);
            var next = NextLink.Check(page.Next, context, _sender);
            if (!visited.Add(NextLink.PageKey(next)))
            {
                throw context.InvalidResponse(string.Format(
                    CultureInfo.InvariantCulture,
                    "Cube's reply for {0} links back to a page already read ({1}); following it would loop forever.",
                    context.Describe(),
                    _sender.Masker.MaskUri(next)));
            }

            // The window follows the largest page so far, not page 1 alone; the budget bounds the bytes in any case.
            largestPage = Math.Max(largestPage, page.Bytes);
            prefetcher.Window = PagesAhead(largestPage);
            if (pageNumber == 1)
            {
                predictor = PagePredictor.TryCreate(next, page.Records, page.Count);
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
                for (var ahead = pageNumber + 1; ahead <= Math.Min(predictor.LastPage, pageNumber + pagesAhead) && _connection.HasFreeSlots(_sender.Settings.ThrottleLimit, SlotsLeftForOthers) && Budget.HasRoom; ahead++)
                {
                    var uri = predictor.UriFor(ahead);
                    if (ReadAhead?.Holds(assignmentId, uri) != true)
                    {
                        prefetcher.Start(uri, ahead);
                    }
                }
            }

            pageUri = next;
        }
    }

    /// <summary>A page's identity: its URI without the fragment, which is never sent to the server.</summary>

    private static void Note(AssignmentRead read, PageSummary page, CollectingSink sink)
    {
        if (page.Count is { } count)
        {
            read.FirstCount ??= count;
            read.CountChanged |= read.LastCount is { } last && last != count;
            read.LastCount = count;
        }

        read.Received = sink.Received;
        read.Distinct = sink.Ids.Count;
        read.Duplicates = sink.Duplicates;
        read.DuplicateIds = sink.DuplicateIds;
        read.Fingerprint = sink.Ids.Fingerprint;
        read.WithRepeatedKey = sink.WithRepeatedKey;
        read.RepeatedKeyExample = sink.RepeatedKeyExample;
    }

    /// <summary>Ends paging that goes on far past what Cube announced, or brings nothing new for page after page.</summary>
    private static void CheckPagingEnds(AssignmentRead read, CollectingSink sink, int pagesWithoutNewCustomers, int pagesRead, RequestContext context)
    {
        if (read.FirstCount is null && pagesRead >= MaximumPagesWithoutCount)
        {
            throw context.InvalidResponse(string.Format(
                CultureInfo.InvariantCulture,
                "Cube's paging for assignment {0} does not end: {1:N0} pages ({2:N0} customers) without a count, and each links to yet another page ({3}).",
                context.AssignmentId,
                pagesRead,
                sink.Received,
                context.Describe()));
        }

        if (pagesWithoutNewCustomers >= MaximumPagesWithoutNewCustomers)
        {
            throw context.InvalidResponse(string.Format(
                CultureInfo.InvariantCulture,
                "Cube's paging for assignment {0} does not end: its last {1} pages brought no customer not seen before, and each still links to a next one ({2}).",
                context.AssignmentId,
                pagesWithoutNewCustomers,
                context.Describe()));
        }

        // Twice the count and a margin, saturated: a count near Int64's end must not wrap round.
        var announced = Math.Max(read.FirstCount ?? 0, read.LastCount ?? 0);
        var limit = announced > (long.MaxValue - 1000) / 2 ? long.MaxValue : (2 * announced) + 1000;
        if ((read.FirstCount is not null) && sink.Received > limit)
        {
            throw context.InvalidResponse(string.Format(
                CultureInfo.InvariantCulture,
                "Cube's paging for assignment {0} does not end: it has sent {1:N0} customers, far more than the {2:N0} it announced, and links to yet another page ({3}).",
                context.AssignmentId,
                sink.Received,
                announced,
                context.Describe()));
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

    /// <summary>How many pages of this size to fetch ahead, so that those held in memory fit the budget.</summary>
    private int PagesAhead(long pageBytes) =>
        (int)Math.Max(1, Math.Min(MaximumPagesAhead, Budget.Limit / Math.Max(1, pageBytes)));

    /// <summary>
    /// Reads one page while it arrives, each attempt from the start: records of an attempt that
    /// fails are taken out of the collection (and its ids out of the read) before the next
    /// attempt, so none is doubled or lost.
    /// </summary>
    private Task<PageSummary> FetchAndParseAsync(RequestContext context, CollectingSink sink, CustomerCollection into, Action<string> onNextLink, CancellationToken cancellationToken) =>
        _retries.RunAsync(
            async token =>
            {
                var mark = into.Mark();
                sink.BeginPage();
                try
                {
                    using var reply = await _sender.GetAsync(context, token).ConfigureAwait(false);
                    var page = await new PageReader(sink, context, onNextLink).ParseAsync(reply.Body, reply.ContentType, token).ConfigureAwait(false);
                    LogBody(context, page.Bytes, reply.Stopwatch.Elapsed);
                    sink.EndPage();
                    return page;
                }
                catch
                {
                    into.Rollback(mark);
                    throw;
                }
            },
            cancellationToken);

    /// <summary>
    /// Fetches a whole page into memory (retrying as needed) for reading later, counting its bytes
    /// against the call's budget as they arrive. A page that reaches the budget is let go at once
    /// (its reply closed, its bytes given back): the reader requests it again in its turn and reads
    /// it as it arrives, so no page is ever held whole beyond the budget.
    /// </summary>
    private Task<FetchedPage> FetchWholeAsync(RequestContext context, CancellationToken cancellationToken)
    {
        var budget = Budget;
        return _retries.RunAsync(
            async token =>
            {
                using var reply = await _sender.GetAsync(context, token).ConfigureAwait(false);
                var body = new SegmentedBuffer();
                long counted = 0;
                bool whole;
                try
                {
                    whole = await body.FillAsync(
                        reply.Body,
                        () =>
                        {
                            if (!budget.TryTake(SegmentedBuffer.SegmentSize))
                            {
                                return false;
                            }

                            counted += SegmentedBuffer.SegmentSize;
                            return true;
                        },
                        token).ConfigureAwait(false);
                }
                catch
                {
                    body.Dispose();
                    budget.Give(counted);
                    throw;
                }

                if (!whole)
                {
                    body.Dispose();
                    budget.Give(counted);
                    _log.Verbose(string.Format(
                        CultureInfo.InvariantCulture,
                        "{0}: more than the {1:N0} MB left for pages held ahead; it is read as it arrives in its turn instead.",
                        context.Describe(),
                        (budget.Limit - budget.Held) / 1048576.0));
                    return FetchedPage.NotHeld();
                }

                LogBody(context, body.Length, reply.Stopwatch.Elapsed);
                return FetchedPage.Held(body, reply.ContentType, budget, counted);
            },
            cancellationToken);
    }

    /// <summary>Reads a page fetched ahead, with the content type its reply had, under the same limits as a page read as it arrives.</summary>
    private static async Task<PageSummary> ParseFetchedAsync(FetchedPage fetched, CollectingSink sink, RequestContext context, CancellationToken cancellationToken)
    {
        using var stream = fetched.OpenRead();
        sink.BeginPage();
        var page = await new PageReader(sink, context).ParseAsync(stream, fetched.ContentType, cancellationToken).ConfigureAwait(false);
        sink.EndPage();
        return page;
    }

    /// <summary>Starts fetching the page a <c>next</c> link names, when that link is one CubePS would follow.</summary>
    private void PrefetchNamedLink(PagePrefetcher prefetcher, int assignmentId, Uri pageUri, int nextPageNumber, string link, HashSet<string> visited, CustomerCollection into)
    {
        // With -First the page being read may be the last one needed: fetch nothing ahead of it.
        if (into.RecordsStillWanted is null
            && NextLink.IsFollowable(link, _connection.BaseUri, out var next)
            && !visited.Contains(NextLink.PageKey(next))
            && ReadAhead?.Holds(assignmentId, next) != true
            && Budget.HasRoom
            && _connection.HasFreeSlots(_sender.Settings.ThrottleLimit, SlotsLeftForOthers))
        {
            prefetcher.Start(next, nextPageNumber);
        }
    }

    private void LogBody(RequestContext context, long bytes, TimeSpan elapsed)
    {
        if (_log.IsVerboseEnabled)
        {
            _log.Verbose(string.Format(CultureInfo.InvariantCulture, "GET {0} read {1:N0} bytes in {2:N0} ms", context.DisplayUri, bytes, elapsed.TotalMilliseconds));
        }
    }
}
