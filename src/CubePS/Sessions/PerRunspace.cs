using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace CubePS.Sessions;

/// <summary>
/// A value for each runspace, so that two runspaces never share session state by accident. A
/// runspace's value goes when the runspace closes (and is then handed to the close action).
/// </summary>
internal sealed class PerRunspace<T>
    where T : class
{
    private readonly ConcurrentDictionary<Runspace, T> _values = new();
    private readonly Action<T>? _onClose;

    public PerRunspace(Action<T>? onClose = null) => _onClose = onClose;

    /// <summary>The value of the runspace this thread runs, or null.</summary>
    public T? Current => Runspace.DefaultRunspace is { } runspace && _values.TryGetValue(runspace, out var value) ? value : null;

    /// <summary>This runspace's value, made by <paramref name="create"/> when it has none; null outside a runspace.</summary>
    public T? GetOrAddCurrent(Func<T> create)
    {
        var runspace = Runspace.DefaultRunspace;
        return runspace is null ? null : _values.GetOrAdd(runspace, added =>
        {
            added.StateChanged += OnRunspaceStateChanged;
            return create();
        });
    }

    /// <summary>Makes <paramref name="value"/> this runspace's value; returns the one it replaces.</summary>
    public T? SetCurrent(T value)
    {
        var runspace = Runspace.DefaultRunspace;
        if (runspace is null)
        {
            return null;
        }

        T? replaced = null;
        _values.AddOrUpdate(
            runspace,
            added =>
            {
                added.StateChanged += OnRunspaceStateChanged;
                return value;
            },
            (_, previous) =>
            {
                replaced = previous;
                return value;
            });
        return replaced;
    }

    /// <summary>Forgets this runspace's value and returns it.</summary>
    public T? RemoveCurrent()
    {
        var runspace = Runspace.DefaultRunspace;
        if (runspace is null || !_values.TryRemove(runspace, out var value))
        {
            return null;
        }

        runspace.StateChanged -= OnRunspaceStateChanged;
        return value;
    }

    private void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is Runspace runspace
            && e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken
            && _values.TryRemove(runspace, out var value))
        {
            runspace.StateChanged -= OnRunspaceStateChanged;
            _onClose?.Invoke(value);
        }
    }
}
