using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Connections;

/// <summary>
/// The requests of one connection in flight at once, over every call and runspace that shares it.
/// Each request brings its own limit (its call's -ThrottleLimit, else the connection's): it starts
/// only while fewer than that many are in flight, so a call never has more than its limit open to
/// Cube, nor pushes the connection past it. Waiters are served in the order they came.
/// </summary>
internal sealed class RequestGate
{
    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private int _inFlight;

    /// <summary>Requests in flight now.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>The most requests that were in flight at once (tests and the benchmark read it).</summary>
    public int MostInFlight { get; private set; }

    /// <summary>True when a request with <paramref name="limit"/> could start now and leave <paramref name="reserve"/> more free, with nobody waiting.</summary>
    public bool HasFree(int limit, int reserve)
    {
        lock (_lock)
        {
            return _waiters.Count == 0 && _inFlight + reserve < limit;
        }
    }

    /// <summary>Waits until fewer than <paramref name="limit"/> requests are in flight and every earlier waiter has gone, then counts this one in.</summary>
    public Task EnterAsync(int limit, CancellationToken cancellationToken)
    {
        if (limit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "A request limit is at least 1.");
        }

        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _inFlight < limit)
            {
                Enter();
                return Task.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter(limit);
            waiter.Node = _waiters.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(() => Cancel(waiter, cancellationToken));
        }

        return waiter.Entered.Task;
    }

    /// <summary>A request is done: the next waiters whose limit allows it go in.</summary>
    public void Leave()
    {
        var admitted = new List<Waiter>();
        lock (_lock)
        {
            _inFlight--;
            Admit(admitted);
        }

        foreach (var waiter in admitted)
        {
            waiter.Registration.Dispose();
            waiter.Entered.TrySetResult(true);
        }
    }

    private void Admit(List<Waiter> admitted)
    {
        // In order: a waiter whose limit is reached holds back those behind it, so none starves.
        while (_waiters.First is { } first && _inFlight < first.Value.Limit)
        {
            _waiters.RemoveFirst();
            first.Value.Node = null;
            Enter();
            admitted.Add(first.Value);
        }
    }

    private void Enter()
    {
        _inFlight++;
        if (_inFlight > MostInFlight)
        {
            MostInFlight = _inFlight;
        }
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        var admitted = new List<Waiter>();
        lock (_lock)
        {
            if (waiter.Node is null)
            {
                // Already let in: the caller gets the slot and gives it back as usual.
                return;
            }

            _waiters.Remove(waiter.Node);
            waiter.Node = null;

            // The one that left may have held back others with a higher limit.
            Admit(admitted);
        }

        waiter.Entered.TrySetCanceled(cancellationToken);
        foreach (var other in admitted)
        {
            other.Registration.Dispose();
            other.Entered.TrySetResult(true);
        }
    }

    private sealed class Waiter
    {
        public Waiter(int limit) => Limit = limit;

        public int Limit { get; }

        public TaskCompletionSource<bool> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
