using System;

namespace CubePS.Output;

/// <summary>
/// Keeps the garbage of a long stream of short-lived objects from piling up. The runtime sizes its
/// youngest generation from the CPU cache (tens of MB on a server), so writing a million objects
/// that each die at once could otherwise raise the process's peak memory by that much; in an
/// Azure Automation sandbox of 400 MB that matters. Every so often this checks how far the heap
/// has grown since the last collection and, past a limit, collects the youngest generation, which
/// costs well under a millisecond when almost nothing survives.
/// </summary>
internal sealed class Gen0CollectionPacer
{
    private const int CheckEvery = 512;

    /// <summary>Growth of the heap since the last collection that calls for one (the benchmark's row without the pacer raises it out of reach).</summary>
    private static long s_growthLimitBytes = 24L * 1024 * 1024;

    private int _sinceCheck;
    private long _afterLastCollection = GC.GetTotalMemory(forceFullCollection: false);

    public void Tick()
    {
        if (++_sinceCheck < CheckEvery)
        {
            return;
        }

        _sinceCheck = 0;
        if (GC.GetTotalMemory(forceFullCollection: false) - _afterLastCollection > s_growthLimitBytes)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            _afterLastCollection = GC.GetTotalMemory(forceFullCollection: false);
        }
    }
}
