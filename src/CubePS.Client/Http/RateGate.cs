using System;
using System.Diagnostics;
using System.Threading;

namespace CubePS.Http;

/// <summary>
/// One per connection: when Cube answers a request with 429 or 503 (asking, with Retry-After or
/// by the status alone, to be left alone for a while), every request to that Cube waits out the
/// same pause before it is sent, not only the one that got the answer. Time is the monotonic
/// clock, so a change of the wall clock neither ends nor stretches a pause.
/// </summary>
internal sealed class RateGate
{
    // Stopwatch ticks at which the gate opens again; 0: open.
    private long _opensAt;

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
