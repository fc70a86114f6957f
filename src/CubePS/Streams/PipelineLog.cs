using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using CubePS.Commands;
using CubePS.Logging;

namespace CubePS.Streams;

/// <summary>
/// An ICubeLog that any thread may call: messages wait in a queue until the pipeline thread,
/// the only one allowed to write to PowerShell's streams, pumps them.
/// </summary>
internal sealed class PipelineLog : ICubeLog, IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly CubeCmdlet _cmdlet;

    public PipelineLog(CubeCmdlet cmdlet, bool isVerboseEnabled, bool isDebugEnabled)
    {
        _cmdlet = cmdlet;
        IsVerboseEnabled = isVerboseEnabled;
        IsDebugEnabled = isDebugEnabled;
    }

    public bool IsVerboseEnabled { get; }

    public bool IsDebugEnabled { get; }

    public void Verbose(string message) => Post(() => _cmdlet.WriteVerbose(message));

    public void Debug(string message) => Post(() => _cmdlet.WriteDebug(message));

    public void Warning(string message) => Post(() => _cmdlet.WriteWarning(message));

    public void Progress(DownloadProgress progress) => Post(() => _cmdlet.Progress.Report(progress));

    public void Writing(long written, long total) => Post(() => _cmdlet.Progress.ReportWriting(written, total));

    /// <summary>No more messages will come; <see cref="Pump"/> returns once the queue is empty.</summary>
    public void Complete() => _queue.CompleteAdding();

    /// <summary>Writes queued messages on the calling (pipeline) thread until <see cref="Complete"/>.</summary>
    public void Pump()
    {
        foreach (var write in _queue.GetConsumingEnumerable())
        {
            write();
        }
    }

    public void Dispose() => _queue.Dispose();

    /// <summary>Runs <paramref name="write"/> on the pipeline thread, in turn with the messages (an error record, say).</summary>
    public void Post(Action write)
    {
        try
        {
            _queue.Add(write);
        }
        catch (InvalidOperationException)
        {
            // The work finished or was stopped (the queue is completed or disposed, an
            // ObjectDisposedException is one of these) while a straggling task still logged.
        }
    }
}
