using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using CubePS.Errors;

namespace CubePS.Http;

/// <summary>
/// One per connection: when Cube answers a request with 429 or 503 (asking, with Retry-After or
/// by the status alone, to be left alone for a while), every request to that Cube waits out the
/// same pause before it is sent, not only the one that got the answer. Time is the monotonic
/// clock, so a change of the wall clock neither ends nor stretches a pause.
/// When Cube asks for a longer pause than CubePS waits (CubeRateLimited), the gate refuses every
/// request until then: none is sent, each fails at once with CubeRateLimited.
/// </summary>
internal sealed class RateGate
{
    private readonly object _lock = new();

    // Stopwatch ticks at which the gate opens again; 0: open.
    private long _opensAt;

    // Stopwatch ticks until which every request is refused, and the answer that asked for it.
    private long _refusedUntil;
    private CubeException? _refusal;

    /// <summary>
    /// Cube asked, in answer to the request of <paramref name="rateLimited"/>, to be left alone for
    /// longer than CubePS waits: until then every request of the connection is refused.
    /// </summary>
    public void Refuse(TimeSpan asked, CubeException rateLimited)
    {
        var until = Stopwatch.GetTimestamp() + (long)(Math.Min(asked.TotalSeconds, RetryPolicy.LongestWait.TotalSeconds) * Stopwatch.Frequency);
        lock (_lock)
        {
            if (until > _refusedUntil)
            {
                _refusedUntil = until;
                _refusal = rateLimited;
            }
        }
    }

    /// <summary>The CubeRateLimited a request of <paramref name="context"/> fails with now, or null when it may be sent.</summary>
    public CubeException? Refusal(RequestContext context)
    {
        CubeException refusal;
        long until;
        lock (_lock)
        {
            if (_refusal is null || _refusedUntil <= Stopwatch.GetTimestamp())
            {
                return null;
            }

            refusal = _refusal;
            until = _refusedUntil;
        }

        var left = TimeSpan.FromSeconds((until - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        var error = context.Error(
            CubeErrorIds.RateLimited,
            CubeErrorCategory.LimitsExceeded,
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} was not sent: Cube asked CubePS to wait {1} more before asking it anything (Retry-After, in answer to {2}), longer than CubePS waits, so it sends nothing before then.",
                context.Describe(),
                RetryPolicy.DescribeWait(left),
                refusal.RequestUri is { } uri ? ServerText.Quote(uri) : "another request"));
        error.RetryAfter = left;
        error.RecommendedAction = refusal.RecommendedAction;
        return error;
    }

    /// <summary>How long the gate stays closed from now; zero when it is open.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var opensAt = Interlocked.Read(ref _opensAt);
            var now = Stopwatch.GetTimestamp();
            return opensAt <= now ? TimeSpan.Zero : TimeSpan.FromSeconds((opensAt - now) / (double)Stopwatch.Frequency);
        }
    }

    /// <summary>Closes the gate for <paramref name="pause"/> from now, unless it is already closed for longer.</summary>
    public void CloseFor(TimeSpan pause)
    {
        if (pause <= TimeSpan.Zero)
        {
            return;
        }

        var opensAt = Stopwatch.GetTimestamp() + (long)(pause.TotalSeconds * Stopwatch.Frequency);
        var current = Interlocked.Read(ref _opensAt);
        while (opensAt > current)
        {
            var seen = Interlocked.CompareExchange(ref _opensAt, opensAt, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
