using System.Collections.Concurrent;

namespace CubeSimulator;

/// <summary>The assignments the simulator serves, changeable at run time through /_sim.</summary>
public sealed class AssignmentStore
{
    private readonly ConcurrentDictionary<int, AssignmentSetup> _assignments = new();
    private readonly SimulatorOptions _options;

    public AssignmentStore(SimulatorOptions options)
    {
        _options = options;
        Reset();
    }

    public AssignmentSetup? Find(int id) => _assignments.TryGetValue(id, out var setup) ? setup : null;

    public void Set(int id, AssignmentSetup setup) => _assignments[id] = setup;

    public bool Remove(int id) => _assignments.TryRemove(id, out _);

    /// <summary>Back to the built-in assignments and those given on the command line.</summary>
    public void Reset()
    {
        _assignments.Clear();
        _assignments[SeedData.B2BAssignment] = new AssignmentSetup { Kind = "b2b" };
        _assignments[SeedData.B2CAssignment] = new AssignmentSetup { Kind = "b2c" };
        _assignments[SeedData.PagedAssignment] = new AssignmentSetup { Kind = "synthetic", Records = 1234, PageSize = _options.PageSize, Seed = 20 };
        _assignments[SeedData.ForbiddenAssignment] = new AssignmentSetup { Kind = "b2b", Forbidden = true };
        foreach (var (id, setup) in _options.Synthetic)
        {
            _assignments[id] = setup;
        }
    }
}

/// <summary>What the simulator has seen, for tests to assert on (GET /_sim/stats).</summary>
public sealed class SimulatorStats
{
    private readonly ConcurrentDictionary<string, int> _byHost = new();
    private readonly ConcurrentDictionary<int, int> _byAssignment = new();
    private int _requests;
    private int _active;
    private int _mostActive;
    private int _aborted;

    public void Started(string host, int? assignmentId)
    {
        Interlocked.Increment(ref _requests);
        var active = Interlocked.Increment(ref _active);
        int most;
        while (active > (most = Volatile.Read(ref _mostActive)) && Interlocked.CompareExchange(ref _mostActive, active, most) != most)
        {
        }

        _byHost.AddOrUpdate(host, 1, (_, n) => n + 1);
        if (assignmentId is { } id)
        {
            _byAssignment.AddOrUpdate(id, 1, (_, n) => n + 1);
        }
    }

    public void Finished(bool aborted)
    {
        Interlocked.Decrement(ref _active);
        if (aborted)
        {
            Interlocked.Increment(ref _aborted);
        }
    }

    public void Reset()
    {
        _byHost.Clear();
        _byAssignment.Clear();
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _aborted, 0);
        Interlocked.Exchange(ref _mostActive, Volatile.Read(ref _active));
    }

    public object Snapshot() => new
    {
        requests = Volatile.Read(ref _requests),
        active = Volatile.Read(ref _active),

        // The most requests in flight at once since the last reset.
        mostActive = Volatile.Read(ref _mostActive),
        aborted = Volatile.Read(ref _aborted),
        byHost = _byHost.ToDictionary(e => e.Key, e => e.Value),
        byAssignment = _byAssignment.ToDictionary(e => e.Key.ToString(), e => e.Value),
    };
}
