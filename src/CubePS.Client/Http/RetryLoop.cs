using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Logging;

namespace CubePS.Http;

/// <summary>
/// Runs a unit of work (a request, or a page read whole) until it succeeds, fails for good, or the
/// retries of the request settings are used up. Each wait is logged and ends at once on cancellation.
/// </summary>
internal sealed class RetryLoop
{
    private readonly ICubeLog _log;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Random _random = new();

    /// <param name="delay">How to wait (tests record the waits instead of sleeping).</param>
    public RetryLoop(RequestSettings settings, ICubeLog log, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        Settings = settings;
        _log = log;
        _delay = delay ?? Task.Delay;
    }

    public RequestSettings Settings { get; }

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
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
}
