using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using CubePS.Commands;
using CubePS.Logging;

namespace CubePS.Streams;

/// <summary>
/// Progress for one cmdlet call: nothing for work that ends within a second, then at most four
/// updates a second (so the bar does not slow the work it reports), completed at the end.
/// </summary>
internal sealed class ProgressReporter
{
    /// <summary>One activity per call; the id only has to be the same in every record of it.</summary>
    private const int ActivityId = 1;

    private static readonly TimeSpan ShowAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(250);

    // The cmdlet's own WriteProgress, which passes a host's failure on as the host's.
    private readonly CubeCmdlet _cmdlet;
    private readonly string _activity;
    private readonly bool _enabled;
    private readonly Stopwatch _sinceStart = Stopwatch.StartNew();
    private TimeSpan? _lastShown;
    private bool _shown;

    public ProgressReporter(CubeCmdlet cmdlet, string activity, bool enabled)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _enabled = enabled;
    }

    public void Report(DownloadProgress progress)
    {
        var status = progress.RecordsExpected is { } expected
            ? string.Format(CultureInfo.CurrentCulture, "Assignment {0}: {1:N0} of {2:N0} customers read (page {3})", progress.AssignmentId, progress.RecordsReceived, expected, progress.PageNumber)
            : string.Format(CultureInfo.CurrentCulture, "Assignment {0}: {1:N0} customers read (page {2})", progress.AssignmentId, progress.RecordsReceived, progress.PageNumber);
        var percent = progress.RecordsExpected is > 0 ? (int)Math.Min(100, progress.RecordsReceived * 100 / progress.RecordsExpected.Value) : -1;
        if (progress.AssignmentsTotal > 1)
        {
            // Many assignments: the bar is the call's, by assignments done; the status says where the call stands.
            status = string.Format(CultureInfo.CurrentCulture, "{0:N0} of {1:N0} assignments done, {2:N0} customers so far; {3}", progress.AssignmentsDone, progress.AssignmentsTotal, progress.CustomersSoFar, status);
            percent = (int)(progress.AssignmentsDone * 100L / progress.AssignmentsTotal);
        }

        Show(status, percent);
    }

    public void ReportWriting(long written, long total) =>
        Show(string.Format(CultureInfo.CurrentCulture, "Writing {0:N0} of {1:N0} customers", written, total), total > 0 ? (int)(written * 100 / total) : -1);

    public void Complete()
    {
        if (_shown)
        {
            _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            _shown = false;
        }
    }

    private void Show(string status, int percent)
    {
        var now = _sinceStart.Elapsed;
        if (!_enabled || now < ShowAfter || (_lastShown is { } last && now - last < MinimumInterval))
        {
            return;
        }

        _lastShown = now;
        _shown = true;
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, status) { PercentComplete = percent });
    }
}
