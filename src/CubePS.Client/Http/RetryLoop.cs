using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Logging;

namespace CubePS.Http;

/// <summary>
/// Runs a unit of work (a request, or a page read whole) until it succeeds, fails for good, or the
/// retries of the request settings are used up. Each wait is logged and ends at once on cancellation.
/// With the connection's <see cref="RateGate"/>, a 429 or 503 that one request gets pauses every
/// request to that Cube: each attempt first waits out a pause another request was asked for.
/// </summary>
internal sealed class RetryLoop
{
    private readonly ICubeLog _log;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Random _random = new();
    private readonly RateGate? _gate;

    /// <param name="delay">How to wait (tests record the waits instead of sleeping).</param>
    /// <param name="gate">The connection's gate that a 429 or 503 closes for every request; null: this loop's own waits only.</param>
    public RetryLoop(RequestSettings settings, ICubeLog log, Func<TimeSpan, CancellationToken, Task>? delay = null, RateGate? gate = null)
    {
        Settings = settings;
        _log = log;
        _delay = delay ?? Task.Delay;
        _gate = gate;
    }

    public RequestSettings Settings { get; }

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var justWaited = false;
        for (var retry = 1; ; retry++)
        {
            // A pause this request was itself asked for is waited below; only another's is waited here.
            // A refusal (a longer pause than CubePS waits) is met when the request is sent, at once.
            if (!justWaited && _gate?.Remaining is { } paused && paused > TimeSpan.Zero)
            {
                _log.Verbose(string.Format(CultureInfo.InvariantCulture, "Cube asked for a pause (429 or 503 to another request); waiting {0:0.0} s before this request.", paused.TotalSeconds));
                await _delay(paused, cancellationToken).ConfigureAwait(false);
                waited += paused;
            }

            justWaited = false;
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (CubeException e) when (e.IsTransient && e.RetryAfter > RequestSettings.MaximumRetryWait)
            {
                // Waiting less than Cube asked would only be refused again; waiting that long is
                // more than a retry is for. No request of the connection is sent before then.
                var rateLimited = RateLimited(e, e.RetryAfter.Value);
                _gate?.Refuse(e.RetryAfter.Value, rateLimited);
                throw rateLimited;
            }
            catch (CubeException e) when (e.IsTransient && retry > 1 && (retry > Settings.MaximumRetryCount || cancellationToken.IsCancellationRequested))
            {
                throw e.WithMessage(string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} It failed {1} times; CubePS waited {2:0.#} s in all between the attempts.",
                    e.Message,
                    retry,
                    waited.TotalSeconds));
            }
            catch (CubeException e) when (e.IsTransient && retry <= Settings.MaximumRetryCount && !cancellationToken.IsCancellationRequested)
            {
                double random01;
                lock (_random)
                {
                    random01 = _random.NextDouble();
                }

                var wait = RetryPolicy.ComputeDelay(retry, Settings.RetryInterval, e.RetryAfter, random01);
                if (RetryPolicy.PausesEveryRequest(e))
                {
                    _gate?.CloseFor(wait);
                }

                _log.Verbose(string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} Retry {1} of {2} in {3:0.0} s{4}.",
                    e.Message,
                    retry,
                    Settings.MaximumRetryCount,
                    wait.TotalSeconds,
                    e.RetryAfter.HasValue ? " (the server's Retry-After)" : string.Empty));
                await _delay(wait, cancellationToken).ConfigureAwait(false);
                waited += wait;
                justWaited = true;
            }
        }
    }

    private static CubeException RateLimited(CubeException e, TimeSpan asked)
    {
        var error = new CubeException(
            CubeErrorIds.RateLimited,
            CubeErrorCategory.LimitsExceeded,
            string.Format(
                CultureInfo.InvariantCulture,
                "Cube asked CubePS to wait {0} before trying again (Retry-After), longer than the {1:N0} s CubePS waits between retries, so it stopped instead. {2}",
                RetryPolicy.DescribeWait(asked),
                RequestSettings.MaximumRetryWait.TotalSeconds,
                e.Message),
            e.TargetObject,
            e)
        {
            StatusCode = e.StatusCode,
            ResponseText = e.ResponseText,
            RequestUri = e.RequestUri,
            RetryAfter = asked,
            RecommendedAction = asked >= RetryPolicy.LongestWait
                ? "Ask Headshed why Cube refuses requests for longer than a century (Retry-After); CubePS does not wait that long."
                : string.Format(CultureInfo.InvariantCulture, "Try again after {0:yyyy-MM-dd HH:mm:ss} UTC, when Cube said it would answer.", DateTime.UtcNow + asked),
        };
        return error;
    }
}
