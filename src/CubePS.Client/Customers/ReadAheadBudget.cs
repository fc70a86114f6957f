using System.Threading;
using CubePS.Storage;

namespace CubePS.Customers;

/// <summary>
/// The one memory budget of a call for everything it reads ahead of the page being read: pages
/// fetched ahead within an assignment and the pages of the assignments read ahead, all together.
/// Bytes are counted as they arrive, inflated (after gzip or deflate), segment by segment, so a
/// page that would pass the budget is stopped when it reaches it, not after; such a page is read
/// again as it arrives once its turn comes, as any page being read is, never held whole.
/// </summary>
internal sealed class ReadAheadBudget
{
    /// <summary>
    /// 32 MB: about a hundred of Cube's pages of 100 customers (some 300 KB each), more than eight
    /// requests in flight ever hold, and a small part of a 400 MB runbook sandbox.
    /// </summary>
    public const long DefaultBytes = 32L * 1024 * 1024;

    private long _held;
    private long _peak;

    public ReadAheadBudget(long bytes = DefaultBytes) => Limit = bytes;

    /// <summary>The most bytes held ahead at once.</summary>
    public long Limit { get; }

    /// <summary>Bytes held ahead now.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>The most bytes that were held ahead at once in this call.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>True when at least one more segment fits.</summary>
    public bool HasRoom => Held + SegmentedBuffer.SegmentSize <= Limit;

    /// <summary>Counts <paramref name="bytes"/> in when they fit; false (and nothing counted) when they would pass the limit.</summary>
    public bool TryTake(long bytes)
    {
        var current = Interlocked.Read(ref _held);
        while (true)
        {
            if (current + bytes > Limit)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _held, current + bytes, current);
            if (seen == current)
            {
                RaisePeak(current + bytes);
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Gives back bytes that were taken.</summary>
    public void Give(long bytes) => Interlocked.Add(ref _held, -bytes);

    private void RaisePeak(long held)
    {
        var peak = Interlocked.Read(ref _peak);
        while (held > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, held, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }
}
