using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CubePS.Export;

/// <summary>
/// Runs an action when the process is told to end by a signal: SIGTERM (timeout, systemd, a stopped
/// container or CI job), SIGHUP (a closed terminal or SSH session), and the signals whose default
/// is to end the process that a script or a supervisor may send: SIGQUIT, SIGUSR1, SIGUSR2 and
/// SIGALRM (raw numbers, which PosixSignalRegistration accepts). pwsh ends on those without
/// running finally blocks or ProcessExit handlers, so this is the only moment to clean up. The
/// signal's own effect is kept: the process still ends after the action. Uses
/// PosixSignalRegistration (.NET 6 and later), found by reflection because CubePS builds for
/// netstandard2.0; on .NET Framework, where it does not exist, ProcessExit is what remains.
/// </summary>
internal static class TerminationSignals
{
    // Registrations unregister themselves when collected: they are kept for the process's life.
    private static readonly List<IDisposable> Registrations = new();
    private static Action? _onTerminate;

    /// <summary>Called once, from ExportTarget's static constructor (which the runtime runs once).</summary>
    public static void Register(Action onTerminate)
    {
        _onTerminate = onTerminate;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => onTerminate();
        var registration = Type.GetType("System.Runtime.InteropServices.PosixSignalRegistration, System.Runtime.InteropServices", throwOnError: false);
        var signalType = Type.GetType("System.Runtime.InteropServices.PosixSignal, System.Runtime.InteropServices", throwOnError: false);
        var contextType = Type.GetType("System.Runtime.InteropServices.PosixSignalContext, System.Runtime.InteropServices", throwOnError: false);
        var create = registration?.GetMethod("Create", BindingFlags.Public | BindingFlags.Static);
        if (create is null || signalType is null || contextType is null)
        {
            return;
        }

        // Action<PosixSignalContext> bound to a method that takes object: the context is not needed.
        var handlerType = typeof(Action<>).MakeGenericType(contextType);
        var handler = Delegate.CreateDelegate(handlerType, typeof(TerminationSignals).GetMethod(nameof(OnSignal), BindingFlags.NonPublic | BindingFlags.Static)!);
        var signals = new List<object> { Enum.Parse(signalType, "SIGTERM"), Enum.Parse(signalType, "SIGHUP"), Enum.Parse(signalType, "SIGQUIT") };
        foreach (var raw in RawSignals())
        {
            signals.Add(Enum.ToObject(signalType, raw));
        }

        foreach (var signal in signals)
        {
            try
            {
                if (create.Invoke(null, new[] { signal, handler }) is IDisposable registered)
                {
                    Registrations.Add(registered);
                }
            }
            catch (TargetInvocationException e) when (e.InnerException is PlatformNotSupportedException or NotSupportedException)
            {
                // A platform without this signal: ProcessExit stays.
            }
        }
    }

    /// <summary>SIGUSR1, SIGUSR2 and SIGALRM by their numbers, which differ between Linux and macOS.</summary>
    private static int[] RawSignals() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? new[] { 10, 12, 14 }
        : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? new[] { 30, 31, 14 }
        : Array.Empty<int>();

    private static void OnSignal(object context) => _onTerminate?.Invoke();
}
