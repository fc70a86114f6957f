using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Http;

namespace CubePS.Customers;

/// <summary>
/// The assignments of a call after the one being read, fetched ahead: the first pages of each,
/// whole, within the call's <see cref="ReadAheadBudget"/>, while the reader decodes earlier ones
/// in the order the ids were given. Each assignment ahead is a chain: its page 1, then the page
/// its start links to, up to <see cref="PagesPerAssignment"/>. Only requests are made ahead;
/// records are decoded, selected and kept in their turn, so the output, the errors and the
/// warnings are what one assignment after another gives.
/// </summary>
/// <remarks>
/// Requests go through the same sender as the reader's, so they count against the call's
/// -ThrottleLimit; at most one fewer chains than that run at once, leaving a slot for the page
/// being read. A link is followed only to the connection's own origin (the credentials go with
/// it); the reader checks every link again in full before it uses a page. A chain stops when the
/// reader comes to its assignment (the reader fetches the rest itself), when the budget is used
/// up, or when a fetch fails: the failure waits in its page for the reader, which reports it in
/// the assignment's turn as it would have met it itself.
/// </remarks>
internal sealed class AssignmentReadAhead : IDisposable
{
    /// <summary>Pages of one assignment fetched ahead, at most: enough for Cube's small assignments whole.</summary>
    public const int PagesPerAssignment = CustomerDownloader.MaximumPagesAhead;

    private readonly object _lock = new();
    private readonly IReadOnlyList<int> _assignments;
    private readonly Func<RequestContext, CancellationToken, Task<FetchedPage>> _fetch;
    private readonly Connection _connection;
    private readonly ReadAheadBudget _budget;
    private readonly int _chains;
    private readonly CancellationTokenSource _cancel;
    private readonly Dictionary<int, Ahead> _ahead = new();
    private int _head = -1;
    private int _next;
    private int _running;
    private bool _disposed;

    // Cube has answered a request of the call with success: its credentials are good. Until
    // then nothing is read ahead, so a wrong password is sent once, not once per chain.
    private bool _accepted;

    // Cube asked for a longer pause than CubePS waits (CubeRateLimited): no chain asks it anything more.
    private bool _halted;

    /// <param name="assignments">The call's assignments in order, each once.</param>
    /// <param name="fetch">Fetches a whole page within the budget (retrying as the reader would).</param>
    /// <param name="chains">Assignments fetched ahead at once, at most.</param>
    public AssignmentReadAhead(IReadOnlyList<int> assignments, Func<RequestContext, CancellationToken, Task<FetchedPage>> fetch, Connection connection, ReadAheadBudget budget, int chains, CancellationToken cancellationToken)
    {
        _assignments = assignments;
        _fetch = fetch;
        _connection = connection;
        _budget = budget;
        _chains = chains;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>The call's count of successful replies (<see cref="OutageBreaker.Answers"/>), noted when a chain starts.</summary>
    public Func<long>? Answers { get; set; }

    /// <summary>
    /// The count of successful replies when the first request of <paramref name="assignmentId"/>
    /// was sent ahead, or null when it was not read ahead.
    /// </summary>
    public long? AnswersWhenStarted(int assignmentId)
    {
        lock (_lock)
        {
            return _ahead.TryGetValue(assignmentId, out var ahead) ? ahead.AnswersAtStart : null;
        }
    }

    /// <summary>Assignments read ahead of the one being read, at most (started or held).</summary>
    private int MostAhead => 2 * _chains;

    /// <summary>
    /// The reader begins assignment number <paramref name="index"/> (0-based, in call order): keep
    /// the ones after it coming, unless <paramref name="startMore"/> is false (Cube seems to be
    /// down: what is under way goes on, nothing more is asked of it until an assignment is read).
    /// </summary>
    public void Advance(int index, bool startMore = true)
    {
        lock (_lock)
        {
            _head = index;
            if (_next <= index)
            {
                _next = index + 1;
            }
        }

        if (startMore)
        {
            Pump();
        }
    }

    /// <summary>
    /// Cube has answered a request of the call with success (its first successful reply accepted
    /// the call's credentials): chains may start from now on.
    /// </summary>
    public void Accepted()
    {
        lock (_lock)
        {
            if (_accepted)
            {
                return;
            }

            _accepted = true;
        }

        Pump();
    }

    /// <summary>
    /// The fetch of <paramref name="pageUri"/> of <paramref name="assignmentId"/>, removed, or null
    /// when it was not fetched ahead. From now on that assignment's chain fetches nothing more.
    /// </summary>
    public Task<FetchedPage>? Take(int assignmentId, Uri pageUri)
    {
        lock (_lock)
        {
            if (!_ahead.TryGetValue(assignmentId, out var ahead))
            {
                return null;
            }

            ahead.TakenOver = true;
            var key = NextLink.PageKey(pageUri);
            if (ahead.Pages.TryGetValue(key, out var page))
            {
                ahead.Pages.Remove(key);
                return page;
            }

            return null;
        }
    }

    /// <summary>True when <paramref name="pageUri"/> of <paramref name="assignmentId"/> is fetched ahead here (the reader then does not fetch it again).</summary>
    public bool Holds(int assignmentId, Uri pageUri)
    {
        lock (_lock)
        {
            return _ahead.TryGetValue(assignmentId, out var ahead) && ahead.Pages.ContainsKey(NextLink.PageKey(pageUri));
        }
    }

    /// <summary>The reader is done with a read of <paramref name="assignmentId"/>: what is left of it ahead is dropped (a read again requests every page anew).</summary>
    public void Forget(int assignmentId)
    {
        Ahead? ahead;
        lock (_lock)
        {
            if (_ahead.TryGetValue(assignmentId, out ahead))
            {
                _ahead.Remove(assignmentId);
                ahead.TakenOver = true;
            }
        }

        if (ahead is not null)
        {
            Drop(ahead);
        }

        // The room it frees is used from the next Advance: after a failure that may mean Cube is
        // down, the reader decides whether more is asked of it.
    }

    /// <summary>Stops every chain and frees what they hold (at the end of the call, or when it stops early).</summary>
    public void Dispose()
    {
        List<Ahead> left;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            left = new List<Ahead>(_ahead.Values);
            _ahead.Clear();
        }

        _cancel.Cancel();
        foreach (var ahead in left)
        {
            Drop(ahead);
        }
    }


    private void Drop(Ahead ahead)
    {
        List<Task<FetchedPage>> pages;
        lock (_lock)
        {
            pages = new List<Task<FetchedPage>>(ahead.Pages.Values);
        }

        foreach (var page in pages)
        {
            // Nobody awaits a dropped page: free it when it comes, or observe its failure.
            page.ContinueWith(
                static task =>
                {
                    if (task.Status == TaskStatus.RanToCompletion)
                    {
                        task.Result.Dispose();
                    }

                    _ = task.Exception;
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }
    }

    /// <summary>Starts chains while there are free ones, assignments left within reach, and room in the budget.</summary>
    private void Pump()
    {
        var starting = new List<Ahead>();
        lock (_lock)
        {
            while (!_disposed && !_halted && _accepted && _running < _chains && _next < _assignments.Count && _next - _head <= MostAhead && _budget.HasRoom)
            {
                var ahead = new Ahead(_assignments[_next]) { AnswersAtStart = Answers?.Invoke() ?? 0 };
                _ahead[ahead.AssignmentId] = ahead;
                _next++;
                _running++;
                starting.Add(ahead);
            }
        }

        foreach (var ahead in starting)
        {
            _ = Task.Run(() => RunChainAsync(ahead));
        }
    }

    private async Task RunChainAsync(Ahead ahead)
    {
        var failed = false;
        try
        {
            var uri = CubeEndpoint.CustomersUri(_connection.BaseUri, ahead.AssignmentId);
            var visited = new HashSet<string>(StringComparer.Ordinal) { NextLink.PageKey(uri) };
            for (var pageNumber = 1; pageNumber <= PagesPerAssignment; pageNumber++)
            {
                Task<FetchedPage> fetch;
                lock (_lock)
                {
                    if (_disposed || _halted || ahead.TakenOver || !_budget.HasRoom)
                    {
                        return;
                    }

                    var context = new RequestContext(ahead.AssignmentId, pageNumber, uri, _connection.Masker);
                    var token = _cancel.Token;
                    fetch = Task.Run(() => _fetch(context, token), CancellationToken.None);
                    ahead.Pages[NextLink.PageKey(uri)] = fetch;
                }

                FetchedPage page;
                try
                {
                    page = await fetch.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // The failure waits in the page for the reader, which meets it in the assignment's
                    // turn; no other chain starts for it, so a Cube that is down is not asked more.
                    failed = true;
                    if (e is CubeException { ErrorId: CubeErrorIds.RateLimited })
                    {
                        lock (_lock)
                        {
                            _halted = true;
                        }
                    }

                    return;
                }

                // The reader's own rule (NextLink): a link it would refuse is never fetched ahead.
                if (page.NextLink is not { } link
                    || !NextLink.IsFollowable(link, _connection.BaseUri, out var next)
                    || !visited.Add(NextLink.PageKey(next)))
                {
                    return;
                }

                uri = next;
            }
        }
        finally
        {
            lock (_lock)
            {
                _running--;
            }

            if (!failed)
            {
                Pump();
            }
        }
    }

    private sealed class Ahead
    {
        public Ahead(int assignmentId) => AssignmentId = assignmentId;

        public int AssignmentId { get; }

        /// <summary>The call's successful replies when this chain started.</summary>
        public long AnswersAtStart { get; set; }

        /// <summary>Pages fetched ahead by their URI (without fragment); guarded by the read-ahead's lock.</summary>
        public Dictionary<string, Task<FetchedPage>> Pages { get; } = new(StringComparer.Ordinal);

        /// <summary>The reader has come to this assignment: the chain starts nothing more.</summary>
        public bool TakenOver { get; set; }
    }
}
