using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;
using CubePS.Http;
using CubePS.Logging;
using CubePS.Selection;

namespace CubePS.Customers;

/// <summary>What a call's reading of its assignments reports, one assignment at a time, in the order the ids were given.</summary>
internal interface IAssignmentOutcomes
{
    /// <summary>The assignment was read whole.</summary>
    void Read(int assignmentId, DownloadResult result);

    /// <summary>The assignment failed, or was not requested; nothing of it is in the collection. The call goes on.</summary>
    void Failed(CubeException error);
}

/// <summary>
/// Reads the assignments of one call into one collection, in the order given: each whole or its
/// error, the next ones fetched ahead meanwhile (<see cref="AssignmentReadAhead"/>) within the
/// call's -ThrottleLimit and <see cref="ReadAheadBudget"/>. A failure that concerns one assignment
/// is reported and the others go on; one that every further request would meet ends the call
/// (refused credentials or certificate, no temporary storage), as does Cube being unavailable
/// for several assignments in a row (<see cref="OutageBreaker"/>).
/// </summary>
internal sealed class AssignmentBatch
{
    private readonly Connection _connection;
    private readonly RequestSettings _settings;
    private readonly ICubeLog _log;
    private readonly Func<TimeSpan, CancellationToken, Task>? _delay;

    /// <param name="delay">How retries wait (tests record the waits instead of sleeping).</param>
    public AssignmentBatch(Connection connection, RequestSettings settings, ICubeLog log, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _connection = connection;
        _settings = settings;
        _log = MaskingLog.Over(log, connection.Masker);
        _delay = delay;
    }

    /// <summary>An assignment whose reads never agree fails with CubeIncompleteRead instead of being kept with a warning (-RequireCompleteRead).</summary>
    public bool FailWhenIncomplete { get; set; }

    /// <summary>The call's budget for everything held ahead.</summary>
    public ReadAheadBudget Budget { get; } = new();

    /// <summary>False when an assignment was left unread (-First was met, or Cube asked CubePS to stay away).</summary>
    public bool AllRead { get; private set; } = true;

    /// <summary>
    /// Set when Cube was unavailable for several assignments in a row (<see cref="OutageBreaker"/>):
    /// the call stopped there. The assignments read before are whole in the collection; the error
    /// names every assignment not read. The caller writes what was read, then ends with it.
    /// </summary>
    public CubeException? Unavailable { get; private set; }

    /// <summary>Assignments read whole.</summary>
    public int AssignmentsRead { get; private set; }

    /// <summary>Refused credentials (Cube's or the proxy's) or certificate, or no room to hold the records: every further assignment would fail the same way.</summary>
    public static bool EndsTheCall(CubeException e) =>
        e.ErrorId is CubeErrorIds.AuthenticationFailed or CubeErrorIds.ProxyAuthenticationFailed or CubeErrorIds.CertificateRejected or CubeErrorIds.TemporaryStorageFailed;

    public async Task RunAsync(IReadOnlyList<int> assignmentIds, Func<int, WantedCustomerIds?> customersWanted, CustomerCollection into, IAssignmentOutcomes outcomes, CancellationToken cancellationToken)
    {
        var breaker = new OutageBreaker();
        var reader = Downloader(_settings, breaker);

        // After a failure of availability, the next assignments are tried once each: a probe, not a full retry budget each.
        var probe = Downloader(_settings.With(maximumRetryCount: 0), breaker);

        // -First reads one assignment after another, so that it requests nothing it does not use.
        using var readAhead = into.RecordsStillWanted is null && _settings.ThrottleLimit > 1 && assignmentIds.Count > 1
            ? new AssignmentReadAhead(assignmentIds, reader.FetchAheadAsync, _connection, Budget, _settings.ThrottleLimit - 1, cancellationToken)
            : null;
        reader.ReadAhead = probe.ReadAhead = readAhead;
        if (readAhead is not null)
        {
            readAhead.Answers = () => breaker.Answers;
        }
        CubeException? rateLimited = null;
        for (var index = 0; index < assignmentIds.Count; index++)
        {
            var assignmentId = assignmentIds[index];
            if (into.IsFull)
            {
                // -First is met: the assignments left are not asked, so their size, and the call's total, is not known.
                AllRead = false;
                into.AddServerTotal(null);
                break;
            }

            if (rateLimited is not null)
            {
                // Cube asked to be left alone: the other assignments are not requested at all.
                AllRead = false;
                into.AddServerTotal(null);
                outcomes.Failed(NotRequested(assignmentId, rateLimited));
                continue;
            }

            readAhead?.Advance(index, startMore: !breaker.IsSuspicious);
            var downloader = breaker.IsSuspicious ? probe : reader;

            // Since when a success says Cube is up while this assignment fails: its first request.
            var answersAtItsTurn = readAhead?.AnswersWhenStarted(assignmentId) ?? breaker.Answers;
            downloader.Position = (index, assignmentIds.Count);
            try
            {
                var result = await downloader.DownloadAsync(assignmentId, customersWanted(assignmentId), into, cancellationToken).ConfigureAwait(false);
                AssignmentsRead++;
                breaker.Succeeded();
                outcomes.Read(assignmentId, result);
            }
            catch (CubeException e) when (!EndsTheCall(e))
            {
                // This assignment failed and left nothing in the collection; the others go on.
                outcomes.Failed(e);
                if (e.ErrorId == CubeErrorIds.RateLimited)
                {
                    rateLimited = e;
                    readAhead?.Dispose();
                }

                if (breaker.Failed(e, answersAtItsTurn) && index + 1 < assignmentIds.Count)
                {
                    // What was read stays in the collection: the caller writes it, then this error.
                    readAhead?.Dispose();
                    AllRead = false;
                    into.AddServerTotal(null);
                    Unavailable = breaker.Unavailable(_connection.BaseUri, assignmentIds.Skip(index + 1).ToArray());
                    return;
                }
            }
        }
    }

    /// <summary>
    /// A downloader whose successful replies tell <paramref name="breaker"/> that Cube is up, and,
    /// the first time, tell the read-ahead that Cube has accepted the call's credentials.
    /// </summary>
    private CustomerDownloader Downloader(RequestSettings settings, OutageBreaker breaker)
    {
        var sender = new RequestSender(_connection, settings, _log);
        var downloader = new CustomerDownloader(_connection, sender, new RetryLoop(settings, _log, _delay, _connection.RateGate), _log) { Budget = Budget, FailWhenIncomplete = FailWhenIncomplete };
        sender.Answered = () =>
        {
            breaker.Answered();
            downloader.ReadAhead?.Accepted();
        };
        return downloader;
    }

    private static CubeException NotRequested(int assignmentId, CubeException rateLimited) =>
        new(
            CubeErrorIds.RateLimited,
            CubeErrorCategory.LimitsExceeded,
            string.Format(
                CultureInfo.InvariantCulture,
                "Assignment {0} was not read: Cube asked CubePS to wait {1} before asking again (assignment {2}), so CubePS asks it nothing more in this call.",
                assignmentId,
                RetryPolicy.DescribeWait(rateLimited.RetryAfter ?? TimeSpan.Zero),
                rateLimited.TargetObject),
            assignmentId)
        {
            RecommendedAction = rateLimited.RecommendedAction,
        };
}
