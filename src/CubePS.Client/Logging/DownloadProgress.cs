namespace CubePS.Logging;

/// <summary>How far the download of one assignment has come.</summary>
internal sealed class DownloadProgress
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
