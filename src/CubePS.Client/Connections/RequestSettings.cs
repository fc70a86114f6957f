using System;

namespace CubePS.Connections;

/// <summary>
/// How one request behaves: its timeout and its retries. A connection carries defaults; a cmdlet
/// call may override each of them.
/// </summary>
internal sealed class RequestSettings
{
    /// <summary>Seconds a request may take, from its sending to the last byte of its reply.</summary>
    public const int DefaultTimeoutSec = 100;

    /// <summary>The longest timeout (about 24 days): the most milliseconds a .NET timer takes, in whole seconds.</summary>
    public const int MaximumTimeoutSec = int.MaxValue / 1000;

    /// <summary>Retries after the first attempt of a request that failed transiently.</summary>
    public const int DefaultMaximumRetryCount = 4;

    /// <summary>The first wait before a retry; each further retry waits twice as long (plus jitter).</summary>
    public const int DefaultRetryIntervalSec = 2;

    /// <summary>
    /// Requests in flight to one Cube at once, by default: enough to hide the latency of a remote
    /// Cube (eight replies of 50 ms each arrive about as fast as one does), few enough that one
    /// call is not a burden a Cube notices.
    /// </summary>
    public const int DefaultThrottleLimit = 8;

    /// <summary>The most requests in flight at once a call or a connection may ask for.</summary>
    public const int MaximumThrottleLimit = 64;

    /// <summary>No single wait before a retry is longer than this, whatever Retry-After says.</summary>
    public static readonly TimeSpan MaximumRetryWait = TimeSpan.FromSeconds(120);

    public RequestSettings(int timeoutSec, int maximumRetryCount, int retryIntervalSec, int throttleLimit = DefaultThrottleLimit)
    {
        if (throttleLimit is < 1 or > MaximumThrottleLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "The throttle limit must be from 1 to " + MaximumThrottleLimit + ".");
        }

        if (timeoutSec is < 1 or > MaximumTimeoutSec)
        {
            throw new ArgumentOutOfRangeException(nameof(timeoutSec), timeoutSec, "The timeout must be from 1 to " + MaximumTimeoutSec + " seconds.");
        }

        if (maximumRetryCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumRetryCount), maximumRetryCount, "The retry count cannot be negative.");
        }

        if (retryIntervalSec < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retryIntervalSec), retryIntervalSec, "The retry interval cannot be negative.");
        }

        TimeoutSec = timeoutSec;
        MaximumRetryCount = maximumRetryCount;
        RetryIntervalSec = retryIntervalSec;
        ThrottleLimit = throttleLimit;
    }

    public static RequestSettings Default { get; } =
        new(DefaultTimeoutSec, DefaultMaximumRetryCount, DefaultRetryIntervalSec);

    public int TimeoutSec { get; }

    public int MaximumRetryCount { get; }

    public int RetryIntervalSec { get; }

    /// <summary>Requests in flight to Cube at once, at most (-ThrottleLimit).</summary>
    public int ThrottleLimit { get; }

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSec);

    public TimeSpan RetryInterval => TimeSpan.FromSeconds(RetryIntervalSec);

    /// <summary>These settings with the given values replaced.</summary>
    public RequestSettings With(int? timeoutSec = null, int? maximumRetryCount = null, int? retryIntervalSec = null, int? throttleLimit = null) =>
        new(timeoutSec ?? TimeoutSec, maximumRetryCount ?? MaximumRetryCount, retryIntervalSec ?? RetryIntervalSec, throttleLimit ?? ThrottleLimit);
}
