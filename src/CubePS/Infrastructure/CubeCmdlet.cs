using System;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Infrastructure;

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

    protected CancellationToken StopToken => _stopping.Token;

    internal ProgressReporter Progress => _progress ??= new ProgressReporter(this, MyInvocation.MyCommand.Name, IsPreferenceOn("ProgressPreference", null));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and, meanwhile, writes what it logs on this
    /// (the pipeline) thread. Ctrl+C cancels the work and ends the call with PipelineStoppedException;
    /// a CubeException from the work comes out unchanged.
    /// </summary>
    protected void RunBlocking(Func<ICubeLog, CancellationToken, Task> work)
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

    /// <summary>Writes a non-terminating error: this item failed, the pipeline goes on.</summary>
    protected void WriteCubeError(CubeException exception) => WriteError(ErrorRecords.From(exception));

    /// <summary>Ends the call: nothing can go on.</summary>
    [DoesNotReturn]
    protected void ThrowCubeError(CubeException exception)
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

/// <summary>
/// A cmdlet that talks to Cube: it takes -Connection, or else uses this runspace's default from
/// Connect-Cube, or else the CUBE_* environment variables (a connection it then owns and closes).
/// </summary>
public abstract class CubeConnectionCmdlet : CubeCmdlet
{
    private Connection? _ownedConnection;
    private Connection? _resolved;

    /// <summary>The connection to use instead of this session's default.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>The connection this call uses; terminates the call with CubeNotConnected when there is none.</summary>
    protected Connection ResolveConnection()
    {
        if (_resolved is not null)
        {
            return _resolved;
        }

        _resolved = Connection ?? ConnectionRegistry.Current ?? FromEnvironment() ?? ThrowNotConnected();
        WriteDebug("Using the Cube connection " + _resolved + " (" + _resolved.Source + ").");
        return _resolved;
    }

    /// <summary>A connection from the CUBE_* variables (owned by this call), or null when none is set.</summary>
    private Connection? FromEnvironment()
    {
        _ownedConnection = this.ConnectionFromEnvironment();
        return _ownedConnection;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ownedConnection?.Dispose();
            _ownedConnection = null;
        }

        base.Dispose(disposing);
    }

    [DoesNotReturn]
    private Connection ThrowNotConnected()
    {
        ThrowCubeError(new CubeException(
            CubeErrorIds.NotConnected,
            CubeErrorCategory.InvalidOperation,
            "There is no Cube connection. Run Connect-Cube -Account <name> -Token <token> (or -Credential) first; in a runbook, set CUBE_ACCOUNT or CUBE_BASE_URI, plus CUBE_TOKEN or CUBE_USERNAME and CUBE_PASSWORD.")
        {
            RecommendedAction = "Run Connect-Cube, or set the CUBE_* environment variables.",
        });
        return null!;
    }
}

/// <summary>Reading the CUBE_* environment variables, for any CubePS cmdlet.</summary>
internal static class EnvironmentConnection
{
    /// <summary>
    /// A new connection from the CUBE_* variables, or null when none is set. Ends the call with
    /// CubeInvalidEnvironment when they are set but wrong. The caller owns (and closes) it.
    /// </summary>
    public static Connection? ConnectionFromEnvironment(this CubeCmdlet cmdlet)
    {
        try
        {
            var options = ConnectionOptions.FromEnvironment(Environment.GetEnvironmentVariable);
            return options is null ? null : Connection.Create(options);
        }
        catch (CubeException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(e));
        }
        catch (ArgumentException e)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(new CubeException(
                CubeErrorIds.InvalidEnvironment,
                CubeErrorCategory.InvalidArgument,
                "The CUBE_* environment variables do not describe a connection: " + e.Message)));
        }

        return null;
    }
}
