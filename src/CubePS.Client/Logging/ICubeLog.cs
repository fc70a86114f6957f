namespace CubePS.Logging;

/// <summary>
/// Where the client reports what it does. The cmdlets forward these to the Verbose, Debug, Warning
/// and Progress streams on the pipeline thread; calls may come from any thread.
/// </summary>
internal interface ICubeLog
{
    bool IsVerboseEnabled { get; }

    bool IsDebugEnabled { get; }

    void Verbose(string message);

    void Debug(string message);

    void Warning(string message);

    void Progress(DownloadProgress progress);

    /// <summary>How many of <paramref name="total"/> records are written out (to objects or a file).</summary>
    void Writing(long written, long total);
}
