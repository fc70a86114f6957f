using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CubePS.Errors;

namespace CubePS.Customers;

/// <summary>
/// Tells "Cube is down" from "this assignment failed", once per call: assignments that fail one
/// after another for the same reason of availability (refused or lost connections, a name that
/// does not resolve, 5xx after every retry, timeouts) stop the call after
/// <see cref="FailuresInARow"/> of them, with one error that names the assignments not read. After
/// the first such failure, the next assignments are tried without retries (a probe each), so the
/// call costs about one assignment's retries, not one per assignment; an assignment read whole
/// in between clears it all, and so does a successful reply to any request of the call (a page
/// read ahead, another page) since the first request of the streak's first assignment was sent:
/// Cube is up, and the failures concern their assignments only.
/// </summary>
internal sealed class OutageBreaker
{
    /// <summary>Assignments in a row that fail for the same reason of availability before the call stops.</summary>
    public const int FailuresInARow = 3;

    /// <summary>Assignments not read that the message names; all of them are in the error's target.</summary>
    private const int NotReadNamed = 20;

    private readonly List<CubeException> _failures = new();
    private long _answers;

    // Answers when the first request of the streak's first assignment was sent.
    private long _streakBegan;

    /// <summary>True after a failure of availability: the next assignment is a probe, tried once.</summary>
    public bool IsSuspicious => _failures.Count > 0;

    /// <summary>True for a failure that says Cube cannot be reached or cannot answer now, not something about one assignment.</summary>
    public static bool IsUnavailability(CubeException e) =>
        e.ErrorId is CubeErrorIds.ConnectionFailed or CubeErrorIds.RequestTimeout
        || (e.ErrorId == CubeErrorIds.RequestFailed && e.StatusCode is (>= 500 and <= 599) or 429);

    /// <summary>Successful replies of any request of the call (the reader's, pages ahead, read-ahead), counted as they come.</summary>
    public long Answers => Interlocked.Read(ref _answers);

    /// <summary>Cube answered a request of the call with success (any thread): Cube is up.</summary>
    public void Answered() => Interlocked.Increment(ref _answers);

    /// <summary>An assignment was read whole: Cube answers.</summary>
    public void Succeeded() => _failures.Clear();

    /// <summary>
    /// Counts a failure of an assignment whose first request was sent when <see cref="Answers"/>
    /// was <paramref name="answersAtItsTurn"/>; true when it is the last of
    /// <see cref="FailuresInARow"/> in a row for the same reason with no successful reply of the
    /// call since the first request of the first of them was sent.
    /// </summary>
    public bool Failed(CubeException e, long answersAtItsTurn = 0)
    {
        if (!IsUnavailability(e))
        {
            _failures.Clear();
            return false;
        }

        // Any success since the streak began (a page read ahead, another page of the same
        // assignment) says Cube is up: the failures so far concern their assignments only.
        if (_failures.Count > 0 && (Reason(_failures[0]) != Reason(e) || Answers > _streakBegan))
        {
            _failures.Clear();
        }

        if (_failures.Count == 0)
        {
            _streakBegan = answersAtItsTurn;
        }

        _failures.Add(e);
        return _failures.Count >= FailuresInARow;
    }

    /// <summary>The error that ends the call, naming the failed assignments, the reason, and every assignment not read.</summary>
    public CubeException Unavailable(Uri baseUri, IReadOnlyList<int> notRead)
    {
        var last = _failures[_failures.Count - 1];
        var named = string.Join(", ", notRead.Take(NotReadNamed).Select(id => id.ToString(CultureInfo.InvariantCulture)));
        var more = notRead.Count > NotReadNamed
            ? string.Format(CultureInfo.InvariantCulture, " and {0:N0} more (all in the error's TargetObject)", notRead.Count - NotReadNamed)
            : string.Empty;
        return new CubeException(
            CubeErrorIds.Unavailable,
            CubeErrorCategory.ResourceUnavailable,
            string.Format(
                CultureInfo.InvariantCulture,
                "Cube at {0} is unavailable: assignments {1} failed one after another for the same reason ({2}), so the call stopped without reading the {3} left: {4}{5}. The last failure: {6}",
                baseUri.GetLeftPart(UriPartial.Authority),
                string.Join(", ", _failures.Select(f => f.TargetObject)),
                Reason(last),
                notRead.Count == 1 ? "assignment" : notRead.Count.ToString("N0", CultureInfo.InvariantCulture) + " assignments",
                named,
                more,
                last.Message),
            notRead.ToArray(),
            last)
        {
            StatusCode = last.StatusCode,
            RequestUri = last.RequestUri,
            ResponseText = last.ResponseText,
            RecommendedAction = "Try again once Cube answers (Test-CubeConnection shows whether it does); the assignments not read are in the error's TargetObject.",
        };
    }

    private static string Reason(CubeException e) => e.StatusCode is { } status
        ? e.ErrorId + " " + status.ToString(CultureInfo.InvariantCulture)
        : e.ErrorId;
}
