using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Customers;

/// <summary>
/// Pages being fetched ahead of the one being read, each into memory within the call's
/// <see cref="ReadAheadBudget"/>, at most a window of them at once. A page is only taken (and so only used) once the server's own links lead to it; the
/// others are cancelled when the prediction proves wrong or the download ends.
/// </summary>
internal sealed class PagePrefetcher : IDisposable
{
    private readonly Dictionary<string, PendingPage> _pending = new(StringComparer.Ordinal);
    private readonly CancellationToken _cancellationToken;
    private readonly Func<Uri, int, CancellationToken, Task<FetchedPage>> _fetch;
    private readonly Func<Uri, string> _pageKey;

    /// <param name="fetch">Fetches a whole page: its URI, its page number (for messages), the token.</param>
    /// <param name="pageKey">A page's identity (its URI without the fragment).</param>
    public PagePrefetcher(Func<Uri, int, CancellationToken, Task<FetchedPage>> fetch, Func<Uri, string> pageKey, CancellationToken cancellationToken)
    {
        _fetch = fetch;
        _pageKey = pageKey;
        _cancellationToken = cancellationToken;
    }

    /// <summary>How many pages may be fetched ahead at once.</summary>
    public int Window { get; set; } = 1;

    /// <summary>Starts fetching page <paramref name="pageNumber"/> at <paramref name="uri"/> unless it is under way or the window is full.</summary>
    public void Start(Uri uri, int pageNumber)
    {
        if (_pending.Count >= Window || _pending.ContainsKey(_pageKey(uri)) || _cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        var task = Task.Run(() => _fetch(uri, pageNumber, cancel.Token), CancellationToken.None);
        _pending.Add(_pageKey(uri), new PendingPage(task, cancel));
    }

    /// <summary>The fetch of <paramref name="uri"/>, removed from the pending set; null when it was not started.</summary>
    public Task<FetchedPage>? Take(Uri uri)
    {
        var key = _pageKey(uri);
        if (!_pending.TryGetValue(key, out var page))
        {
            return null;
        }

        _pending.Remove(key);
        page.Task.ContinueWith(static (_, cancel) => ((CancellationTokenSource)cancel!).Dispose(), page.Cancel, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return page.Task;
    }

    /// <summary>Cancels every pending fetch except the one for <paramref name="keep"/>.</summary>
    public void CancelAllExcept(Uri keep)
    {
        var keepKey = _pageKey(keep);
        var abandoned = new List<string>();
        foreach (var entry in _pending)
        {
            if (entry.Key != keepKey)
            {
                abandoned.Add(entry.Key);
            }
        }

        foreach (var key in abandoned)
        {
            Abandon(_pending[key]);
            _pending.Remove(key);
        }
    }

    public void Dispose()
    {
        foreach (var page in _pending.Values)
        {
            Abandon(page);
        }

        _pending.Clear();
    }

    private static void Abandon(PendingPage page)
    {
        page.Cancel.Cancel();

        // Nobody awaits an abandoned fetch: observe its failure or free its page, then release its token source.
        page.Task.ContinueWith(
            static (task, cancel) =>
            {
                if (task.Status == TaskStatus.RanToCompletion)
                {
                    task.Result.Dispose();
                }

                _ = task.Exception;
                ((CancellationTokenSource)cancel!).Dispose();
            },
            page.Cancel,
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    private sealed class PendingPage
    {
        public PendingPage(Task<FetchedPage> task, CancellationTokenSource cancel)
        {
            Task = task;
            Cancel = cancel;
        }

        public Task<FetchedPage> Task { get; }

        public CancellationTokenSource Cancel { get; }
    }
}
