namespace CubePS;

/// <summary>
/// Where the client reports what it does. The cmdlets forward these to the Verbose, Debug, Warning
/// and Progress streams on the pipeline thread; calls may come from any thread.
/// </summary>
public interface ICubeLog
{
    bool IsVerboseEnabled { get; }

    bool IsDebugEnabled { get; }

    void Verbose(string message);

    void Debug(string message);

    void Warning(string message);

    void Progress(DownloadProgress progress);
}

/// <summary>How far the download of one assignment has come.</summary>
public sealed class DownloadProgress
{
    public DownloadProgress(int assignmentId, int pageNumber, long recordsReceived, long? recordsExpected)
    {
        AssignmentId = assignmentId;
        PageNumber = pageNumber;
        RecordsReceived = recordsReceived;
        RecordsExpected = recordsExpected;
    }

    public int AssignmentId { get; }

    public int PageNumber { get; }

    public long RecordsReceived { get; }

    /// <summary>The envelope's <c>count</c>, when the server gives one.</summary>
    public long? RecordsExpected { get; }
}

/// <summary>A log that drops everything.</summary>
public sealed class NullCubeLog : ICubeLog
{
    public static readonly NullCubeLog Instance = new();

    public bool IsVerboseEnabled => false;

    public bool IsDebugEnabled => false;

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Progress(DownloadProgress progress)
    {
    }
}
