using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using CubePS.Connections;

namespace CubePS.Http;

/// <summary>Which failures are worth another try, and how long to wait before it.</summary>
internal static class RetryPolicy
{
    /// <summary>The statuses that say "try again later". Any other 4xx is final: retrying a 401 or 404 cannot help.</summary>
    private static readonly int[] RetryableStatusCodes = { 408, 429, 500, 502, 503, 504 };

    public static bool IsRetryableStatus(int statusCode) => Array.IndexOf(RetryableStatusCodes, statusCode) >= 0;

    /// <summary>
    /// True for an answer that asks the client itself to slow down (429, 503, or any Retry-After),
    /// not just this request: the wait before its retry then holds every request to that Cube.
    /// </summary>
    public static bool PausesEveryRequest(CubeException e) => e.RetryAfter is not null || e.StatusCode is 429 or 503;

    /// <summary>
    /// The wait before retry number <paramref name="retryNumber"/> (1 for the first retry): what the
    /// server asked for in Retry-After, else the interval doubled for each earlier retry plus up to
    /// half of that again at random, so that many clients do not retry in step. Never longer than
    /// <see cref="RequestSettings.MaximumRetryWait"/>.
    /// </summary>
    public static TimeSpan ComputeDelay(int retryNumber, TimeSpan interval, TimeSpan? retryAfter, double random01)
    {
        var max = RequestSettings.MaximumRetryWait;
        if (retryAfter is { } asked)
        {
            return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > max ? max : asked;
        }

        var exponent = Math.Min(retryNumber - 1, 16);
        var backoff = interval.TotalMilliseconds * Math.Pow(2, exponent);
        var withJitter = backoff + (backoff * 0.5 * random01);
        return withJitter >= max.TotalMilliseconds ? max : TimeSpan.FromMilliseconds(withJitter);
    }

    /// <summary>
    /// Retry-After as seconds or as an HTTP date. A date is measured against the reply's own Date
    /// header when it has one, so a skewed local clock does not stretch or cut the wait.
    /// </summary>
    public static TimeSpan? ReadRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        if (header is null)
        {
            // .NET drops a number of seconds too large for it as invalid; it still asks for longer
            // than anyone waits.
            return response.Headers.TryGetValues("Retry-After", out var raw) && raw.Any(IsSecondsBeyondRange) ? LongestWait : null;
        }

        if (header.Delta is { } delta)
        {
            return delta < LongestWait ? delta : LongestWait;
        }

        if (header.Date is { } date)
        {
            var reference = response.Headers.Date ?? now;
            var wait = date - reference;
            return wait < LongestWait ? wait : LongestWait;
        }

        return null;
    }

    /// <summary>
    /// A wait Cube asked for, in the words every message uses: seconds, with days beside them when
    /// that long, and "more than a century" for what reaches <see cref="LongestWait"/> (a
    /// Retry-After of year 9999 or of more seconds than .NET holds).
    /// </summary>
    public static string DescribeWait(TimeSpan wait)
    {
        if (wait >= LongestWait)
        {
            return "more than a century";
        }

        var seconds = Math.Max(0, Math.Ceiling(wait.TotalSeconds));
        return wait.TotalDays >= 2
            ? string.Format(CultureInfo.InvariantCulture, "{0:N0} s (about {1:N0} days)", seconds, wait.TotalDays)
            : string.Format(CultureInfo.InvariantCulture, "{0:N0} s", seconds);
    }

    /// <summary>The longest wait a Retry-After is taken to ask for: a century, so a date can still be added to it.</summary>
    internal static readonly TimeSpan LongestWait = TimeSpan.FromDays(36_500);

    private static bool IsSecondsBeyondRange(string value)
    {
        var text = value.Trim();
        return text.Length > 9 && text.All(c => c is >= '0' and <= '9');
    }
}
