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

    /// <summary>Assignments of the call read (or failed) before this one.</summary>
    public int AssignmentsDone { get; set; }

    /// <summary>Assignments of the call in all.</summary>
    public int AssignmentsTotal { get; set; } = 1;

    /// <summary>Customers the call has received so far, over all its assignments.</summary>
    public long CustomersSoFar { get; set; }
}
