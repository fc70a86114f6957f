using System;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Logging;
using CubePS.Streams;

namespace CubePS.Commands;

/// <summary>
/// What every CubePS cmdlet shares: a cancellation token that Ctrl+C (StopProcessing) cancels,
/// a way to run the client's async work while writing its messages on the pipeline thread, and
/// the conversion of client failures into error records.
/// </summary>
public abstract class CubeCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ProgressReporter? _progress;
    private bool _disposed;

    /// <summary>
    /// Where Get-Help -Online finds a cmdlet's help: its Markdown source in the repository (the
    /// manifest's ProjectUri; a test checks both), followed by the cmdlet's name and ".md".
    /// </summary>
    private protected const string HelpUri = "https://github.com/cubeps/CubePS/blob/main/src/CubePS/help/";

    private protected CancellationToken StopToken => _stopping.Token;

    internal ProgressReporter Progress => _progress ??= new ProgressReporter(this, MyInvocation.MyCommand.Name, IsPreferenceOn("ProgressPreference", null));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected override void StopProcessing() => _stopping.Cancel();

    // Every failure leaves a cmdlet as an error record with a stable id: the client's own
    // (CubeException), or CubeUnexpectedError for anything else, never a bare .NET exception.
    protected sealed override void BeginProcessing() => Guard(BeginCubeProcessing);

    protected sealed override void ProcessRecord() => Guard(ProcessCubeRecord);

    protected sealed override void EndProcessing() => Guard(EndCubeProcessing);

    private protected virtual void BeginCubeProcessing()
    {
    }

    private protected virtual void ProcessCubeRecord()
    {
    }

    private protected virtual void EndCubeProcessing()
    {
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and, meanwhile, writes what it logs (and
    /// what it posts to the log) on this (the pipeline) thread. Ctrl+C cancels the work and ends the call with PipelineStoppedException;
    /// a CubeException from the work comes out unchanged.
    /// </summary>
    internal void RunBlocking(Func<PipelineLog, CancellationToken, Task> work)
    {
        using var log = new PipelineLog(this, IsPreferenceOn("VerbosePreference", "Verbose"), IsPreferenceOn("DebugPreference", "Debug"));
        var task = Task.Run(() => work(log, StopToken));
        task.ContinueWith(_ => log.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            log.Pump();
        }
        catch
        {
            // Writing failed, most often because the pipeline is stopping: end the work before leaving.
            _stopping.Cancel();
            WaitQuietly(task);
            throw;
        }

        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    // PowerShell's host: every write and prompt below can reach it. With -Debug, -WarningAction
    // Inquire, -ErrorAction Inquire or -Confirm, PowerShell asks the host a question; a host that
    // cannot ask (pwsh -NonInteractive, input at its end, no console, a restricted host) fails
    // inside PowerShell with an exception of its own (PSInvalidOperationException, a
    // NullReferenceException from the console host, ...). That is the host's refusal, not a CubePS
    // bug: each write here carries it past the guard, which lets PowerShell report it as it does
    // for its own cmdlets (Invoke-RestMethod -Debug). These hide Cmdlet's methods of the same
    // names, so every write of a CubePS cmdlet, its log and its progress goes through them.

    /// <summary>WriteObject, with a failure of the host passed on as the host raised it.</summary>
    internal new void WriteObject(object? sendToPipeline)
    {
        try
        {
            base.WriteObject(sendToPipeline);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>WriteError, with a failure of the host (-ErrorAction Inquire) passed on as the host raised it.</summary>
    internal new void WriteError(ErrorRecord errorRecord)
    {
        try
        {
            base.WriteError(errorRecord);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>WriteWarning, with a failure of the host (-WarningAction Inquire) passed on as the host raised it.</summary>
    internal new void WriteWarning(string text)
    {
        try
        {
            base.WriteWarning(text);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>WriteVerbose, with a failure of the host (-Debug makes it ask) passed on as the host raised it.</summary>
    internal new void WriteVerbose(string text)
    {
        try
        {
            base.WriteVerbose(text);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>WriteDebug, with a failure of the host (-Debug makes it ask) passed on as the host raised it.</summary>
    internal new void WriteDebug(string text)
    {
        try
        {
            base.WriteDebug(text);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>WriteProgress, with a failure of the host (no console to draw on) passed on as the host raised it.</summary>
    internal new void WriteProgress(ProgressRecord progressRecord)
    {
        try
        {
            base.WriteProgress(progressRecord);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>ShouldProcess, with a failure of the host (a -Confirm prompt that cannot read its answer) passed on as the host raised it, as Export-Csv does.</summary>
    internal new bool ShouldProcess(string target, string action)
    {
        try
        {
            return base.ShouldProcess(target, action);
        }
        catch (Exception e) when (IsHostFailure(e))
        {
            throw new HostFailure(e);
        }
    }

    /// <summary>Writes a non-terminating error: this item failed, the pipeline goes on.</summary>
    private protected void WriteCubeError(CubeException exception) => WriteError(ErrorRecords.From(exception));

    /// <summary>Ends the call: nothing can go on.</summary>
    [DoesNotReturn]
    private protected void ThrowCubeError(CubeException exception)
    {
        ThrowTerminatingError(ErrorRecords.From(exception));
        throw new InvalidOperationException("ThrowTerminatingError returned.");
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _stopping.Dispose();
        }

        _disposed = true;
    }

    /// <summary>
    /// Whether a preference stream is on: an explicit -Verbose/-Debug wins, else the
    /// $VerbosePreference/$DebugPreference/$ProgressPreference in scope. Used only to skip
    /// building messages nobody will see; Write* still applies PowerShell's own rules.
    /// </summary>
    private bool IsPreferenceOn(string variable, string? switchName)
    {
        if (switchName is not null && MyInvocation.BoundParameters.TryGetValue(switchName, out var bound))
        {
            return bound is SwitchParameter { IsPresent: true };
        }

        var value = GetVariableValue(variable);
        if (value is null)
        {
            return switchName is null;
        }

        return Enum.TryParse(value.ToString(), ignoreCase: true, out ActionPreference preference)
            ? preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore
            : true;
    }

    /// <summary>
    /// Runs a stage of the cmdlet. A CubeException that reaches here ends the call with its own id;
    /// any other failure (a bug) ends it with CubeUnexpectedError. PowerShell's own exceptions
    /// (a terminating error already made, a stopped pipeline) pass through untouched, and so does
    /// a failure of the host that a write or prompt carried here in a HostFailure.
    /// </summary>
    private void Guard(Action stage)
    {
        try
        {
            stage();
        }
        catch (CubeException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
        }
        catch (HostFailure e)
        {
            ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (e is not RuntimeException and not OperationCanceledException)
        {
            ThrowTerminatingError(ErrorRecords.Unexpected(e, MyInvocation.MyCommand.Name));
        }
    }

    /// <summary>
    /// Whether an exception from a call into PowerShell is the host's (or PowerShell's) own failure.
    /// PowerShell's errors that already carry a record (RuntimeException: a stopped pipeline,
    /// -WarningAction Stop, a terminating error) pass the guard by themselves.
    /// </summary>
    private static bool IsHostFailure(Exception e) => e is not RuntimeException and not HostFailure;

    /// <summary>Carries the host's own exception past the guard, which would otherwise call it a bug.</summary>
    private sealed class HostFailure : Exception
    {
        public HostFailure(Exception inner)
            : base(inner.Message, inner)
        {
        }
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
            // The failure that made us leave is the one to report.
        }
    }
}
