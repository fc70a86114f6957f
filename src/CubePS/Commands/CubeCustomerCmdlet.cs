using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using CubePS.Connections;
using CubePS.Customers;
using CubePS.Errors;
using CubePS.Logging;
using CubePS.Selection;
using CubePS.Sessions;
using CubePS.Streams;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>
/// What Get-CubeCustomer and Export-CubeCustomer share: the selection parameters (assignments from
/// the pipeline, -CustomerId, -UpdatedSince, request settings), and the download of every
/// assignment of the call into one collection, with one rule for errors: a failure that concerns
/// one assignment is written and the others go on; one that no further request can avoid ends the call.
/// </summary>
public abstract class CubeCustomerCmdlet : CubeConnectionCmdlet
{
    /// <summary>
    /// The environment variable that sets how many megabytes of compressed records a call keeps in
    /// memory before the rest goes to a temporary file.
    /// </summary>
    internal const string SpoolMemoryVariable = "CUBE_SPOOL_MEMORY_MB";

    /// <summary>The largest CUBE_SPOOL_MEMORY_MB: a terabyte, far beyond any machine's memory, and no overflow.</summary>
    internal const long MaximumSpoolMemoryMegabytes = 1024L * 1024;

    /// <summary>Renamed keys named one warning each; the rest are counted in one more.</summary>
    private const int RenamedKeysNamed = 20;

    // Assignments in the order asked for, each with the customers wanted (null: all of them).
    private readonly List<int> _assignmentOrder = new();
    private readonly Dictionary<int, WantedCustomerIds?> _customersWanted = new();
    private CustomerCollection? _collection;

    // -CustomerId given on the command line asks every assignment of the call for those ids; ids
    // piped in by property name belong to their own row's assignment.
    private bool _customerIdsForEveryAssignment;

    /// <summary>The assignment(s) to read, as shown in the Cube GUI.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("assignment_id")]
    [AssignmentIdArgument]
    [ValidateRange(1, int.MaxValue)]
    [ArgumentCompleter(typeof(AssignmentIdCompleter))]
    public int[] AssignmentId { get; set; } = Array.Empty<int>();

    /// <summary>
    /// Only these customers. Text, so that any customer_id a piped object carries binds as it is
    /// and finds its own customer: 42, "42" and 42.0 are the number 42; "042" or "ABC" only the
    /// customer whose id is that text. (A number type would leave an id it cannot hold unbound,
    /// and the call would silently read every customer.)
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("customer_id")]
    [ValidateCustomerId]
    public string[]? CustomerId { get; set; }

    /// <summary>
    /// Only customers whose 'updated' value is on or after this: a calendar day when it is a
    /// DateTime of Kind Unspecified at midnight ('2024-03-01'), else an instant (a DateTimeOffset too).
    /// </summary>
    [Parameter]
    [UpdatedSinceArgument]
    public DateTime? UpdatedSince { get; set; }

    /// <summary>
    /// Fail an assignment (CubeIncompleteRead) when it kept changing while it was read, so that
    /// customers may be missing, instead of keeping what was read with a warning.
    /// </summary>
    [Parameter]
    public SwitchParameter RequireCompleteRead { get; set; }

    /// <summary>Seconds a request may take, from its sending to the last byte of Cube's reply (this call only).</summary>
    [Parameter]
    [ValidateRange(1, RequestSettings.MaximumTimeoutSec)]
    public int? TimeoutSec { get; set; }

    /// <summary>Retries of a request that failed transiently (this call only).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaximumRetryCount { get; set; }

    /// <summary>Seconds before the first retry; each further retry waits twice as long (this call only).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? RetryIntervalSec { get; set; }

    /// <summary>Requests in flight to Cube at once, at most, for this call (the connection's -ThrottleLimit by default).</summary>
    [Parameter]
    [ValidateRange(1, RequestSettings.MaximumThrottleLimit)]
    public int? ThrottleLimit { get; set; }

    /// <summary>
    /// CubeUnavailable when Cube was down for several assignments in a row: DownloadAll returns
    /// what was read before, and the command ends with this error once it has dealt with that.
    /// </summary>
    private protected CubeException? CallStoppedBy { get; private set; }

    /// <summary>The assignments of the call, in the order asked for.</summary>
    private protected IReadOnlyList<int> AssignmentIdsAsked() => _assignmentOrder;

    /// <summary>True when -CustomerId or -UpdatedSince may leave customers out.</summary>
    private protected bool HasFilters => UpdatedSince.HasValue || _customersWanted.Values.Any(ids => ids is not null);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Also reached when the pipeline stops: the spool's temporary file goes with it.
            _collection?.Dispose();
            _collection = null;
        }

        base.Dispose(disposing);
    }

    private protected override void BeginCubeProcessing() =>
        _customerIdsForEveryAssignment = MyInvocation.BoundParameters.ContainsKey(nameof(CustomerId));

    private protected override void ProcessCubeRecord()
    {
        foreach (var assignmentId in AssignmentId)
        {
            var wanted = CustomerId is { Length: > 0 } ? new WantedCustomerIds(CustomerId) : null;
            if (!_customersWanted.TryGetValue(assignmentId, out var already))
            {
                _assignmentOrder.Add(assignmentId);
                _customersWanted.Add(assignmentId, wanted);
            }
            else if (already is not null)
            {
                // Asked for twice: all customers if either asked for all, else both sets.
                if (wanted is null)
                {
                    _customersWanted[assignmentId] = null;
                }
                else
                {
                    already.UnionWith(wanted);
                }
            }
        }
    }

    /// <summary>
    /// Downloads every assignment of the call into one collection (owned by the cmdlet). Returns
    /// false in <paramref name="allRead"/> when an assignment was left unread (-First was met, or
    /// Cube asked CubePS to stay away), and in <paramref name="assignmentsRead"/> how many were
    /// read to the end (the others had errors, or were not requested).
    /// </summary>
    private protected CustomerCollection DownloadAll(ulong skip, ulong first, out bool allRead, out int assignmentsRead)
    {
        var connection = ResolveConnection();
        var settings = connection.RequestSettings.With(TimeoutSec, MaximumRetryCount, RetryIntervalSec, ThrottleLimit);
        var collection = _collection = new CustomerCollection(new CustomerCollectionOptions
        {
            Skip = skip,
            First = first,
            UpdatedSince = UpdatedSince,
            SpoolMemoryBytes = SpoolMemoryBytes(),
        });

        var idsMissing = new CustomerIdsMissing();
        var reading = System.Diagnostics.Stopwatch.StartNew();
        AssignmentBatch? batch = null;
        RunBlocking(async (log, token) =>
        {
            // The batch reports each assignment in the order asked for; the pipeline thread writes it.
            batch = new AssignmentBatch(connection, settings, log) { FailWhenIncomplete = RequireCompleteRead };
            await batch.RunAsync(_assignmentOrder, id => _customersWanted[id], collection, new PipelineOutcomes(this, log, idsMissing), token).ConfigureAwait(false);
        });
        allRead = batch!.AllRead;
        assignmentsRead = batch.AssignmentsRead;
        CallStoppedBy = batch.Unavailable;
        WriteVerbose(string.Format(
            CultureInfo.InvariantCulture,
            "At most {0} requests to Cube at once (-ThrottleLimit); pages held ahead of their turn peaked at {1:N1} MB of the {2:N0} MB budget.",
            settings.ThrottleLimit,
            batch.Budget.Peak / 1048576.0,
            batch.Budget.Limit / 1048576.0));
        foreach (var customerId in idsMissing.InNoAssignment())
        {
            WriteCubeError(CustomerNotFound(idsMissing.AssignmentsAsked, customerId));
        }

        WriteVerbose(string.Format(
            CultureInfo.InvariantCulture,
            "Read {0} ({1:N0} kept) in {2:N1} s; held as {3:N1} MB in memory{4} until all are in.",
            Counted.Of(collection.RecordsReceived, "customer"),
            collection.Count,
            reading.Elapsed.TotalSeconds,
            collection.SpoolMemoryBytes / 1048576.0,
            collection.PeakTemporaryFileBytes > 0 ? string.Format(CultureInfo.InvariantCulture, " and a {0:N1} MB temporary file", collection.PeakTemporaryFileBytes / 1048576.0) : string.Empty));
        WarnAboutChangedData(collection, connection.Masker);
        return collection;
    }

    private static CubeException CustomerNotFound(IReadOnlyList<int> assignmentIds, string customerId) =>
        new(
            CubeErrorIds.CustomerNotFound,
            CubeErrorCategory.ObjectNotFound,
            assignmentIds.Count == 1
                ? string.Format(CultureInfo.InvariantCulture, "Assignment {0} has no customer with customer_id {1}.", assignmentIds[0], customerId)
                : string.Format(CultureInfo.InvariantCulture, "None of assignments {0} has a customer with customer_id {1}.", string.Join(", ", assignmentIds), customerId),
            customerId)
        {
            RecommendedAction = assignmentIds.Count == 1
                ? "Check the customer id, and that the customer belongs to this assignment."
                : "Check the customer id, and that the customer belongs to one of these assignments.",
        };

    /// <summary>Each assignment's outcome, written on the pipeline thread in the order of the ids given.</summary>
    private sealed class PipelineOutcomes : IAssignmentOutcomes
    {
        private readonly CubeCustomerCmdlet _cmdlet;
        private readonly PipelineLog _log;
        private readonly CustomerIdsMissing _idsMissing;

        public PipelineOutcomes(CubeCustomerCmdlet cmdlet, PipelineLog log, CustomerIdsMissing idsMissing)
        {
            _cmdlet = cmdlet;
            _log = log;
            _idsMissing = idsMissing;
        }

        public void Read(int assignmentId, DownloadResult result) => _log.Post(() =>
        {
            if (result.Customers is { } customers)
            {
                AssignmentHistory.Record(assignmentId, customers);
            }

            if (_cmdlet._customerIdsForEveryAssignment)
            {
                // Reported once the call is read: an id is missing only when no assignment has it.
                _idsMissing.Add(assignmentId, result.MissingCustomerIds);
            }
            else
            {
                foreach (var customerId in result.MissingCustomerIds)
                {
                    _cmdlet.WriteCubeError(CustomerNotFound(new[] { assignmentId }, customerId));
                }
            }
        });

        public void Failed(CubeException error) => _log.Post(() => _cmdlet.WriteCubeError(error));
    }

    /// <summary>The warnings about the data itself; keys come from the server, so secrets are masked.</summary>
    private void WarnAboutChangedData(CustomerCollection collection, CubePS.Connections.SecretMasker masker)
    {
        var warned = 0;
        var renamedKeys = collection.RenamedKeys;
        foreach (var renamed in renamedKeys)
        {
            if (++warned > RenamedKeysNamed)
            {
                WriteWarning(masker.MaskText(string.Format(
                    CultureInfo.InvariantCulture,
                    "Cube sent {0} more keys that PowerShell cannot use as property names as they are; each has its values in the property of its name with the first free suffix (_2, _3, ...).",
                    renamedKeys.Count - RenamedKeysNamed)));
                break;
            }

            WriteWarning(masker.MaskText(string.Format(
                CultureInfo.InvariantCulture,
                "Cube sent the key '{0}', which PowerShell cannot use as a property name as it is (it is empty, reserved, or equal to another key but for case); its values are in the property '{1}'.",
                ServerText.Quote(renamed.Key),
                ServerText.Quote(renamed.Value))));
        }

        if (collection.UndatedRecordsKept > 0)
        {
            WriteWarning(masker.MaskText(string.Format(
                CultureInfo.InvariantCulture,
                "{0} no date in 'updated'; -UpdatedSince kept them because it cannot tell whether they changed.",
                collection.UndatedRecordsKept == 1 ? "1 customer has" : Counted.Of(collection.UndatedRecordsKept, "customer") + " have")));
        }
    }

    private static long SpoolMemoryBytes()
    {
        var text = Environment.GetEnvironmentVariable(SpoolMemoryVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return CustomerCollectionOptions.DefaultSpoolMemoryBytes;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var megabytes) || megabytes is < 0 or > MaximumSpoolMemoryMegabytes)
        {
            throw new CubeException(
                CubeErrorIds.InvalidEnvironment,
                CubeErrorCategory.InvalidArgument,
                string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} must be a whole number of megabytes from 0 to {1}, not '{2}'.",
                    SpoolMemoryVariable,
                    MaximumSpoolMemoryMegabytes,
                    text))
            {
                RecommendedAction = "Set " + SpoolMemoryVariable + " to a number of megabytes (32 is the default), or remove it.",
            };
        }

        return megabytes * 1024 * 1024;
    }
}
