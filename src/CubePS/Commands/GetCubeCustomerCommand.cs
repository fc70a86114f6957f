using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using CubePS.Connections;
using CubePS.Customers;
using CubePS.Errors;
using CubePS.Output;
using CubePS.Sessions;
using CubePS.Streams;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>
/// Get-CubeCustomer: the customers of one or more assignments, as CubePS.Customer objects that
/// all share one property set per call (every key of every record, in order of first appearance),
/// so Export-Csv keeps every column. Records are downloaded and held compactly until the last
/// assignment is in, then written one object at a time.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CubeCustomer", SupportsPaging = true)]
[OutputType(CustomerObjectFactory.TypeName)]
public sealed class GetCubeCustomerCommand : CubeConnectionCmdlet
{
    /// <summary>
    /// The environment variable that sets how many megabytes of compressed records a call keeps in
    /// memory before the rest goes to a temporary file.
    /// </summary>
    internal const string SpoolMemoryVariable = "CUBE_SPOOL_MEMORY_MB";

    // Assignments in the order asked for, each with the customers wanted (null: all of them).
    private readonly List<int> _assignmentOrder = new();
    private readonly Dictionary<int, HashSet<long>?> _customersWanted = new();
    private CustomerCollection? _collection;

    /// <summary>The assignment(s) to read, as shown in the Cube GUI.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("assignment_id")]
    [ValidateRange(1, int.MaxValue)]
    public int[] AssignmentId { get; set; } = Array.Empty<int>();

    /// <summary>Only these customers.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("customer_id")]
    [ValidateRange(1L, long.MaxValue)]
    public long[]? CustomerId { get; set; }

    /// <summary>Only customers whose 'updated' date is on or after this date.</summary>
    [Parameter]
    public DateTime? UpdatedSince { get; set; }

    /// <summary>Seconds to wait for Cube's answer, and for each part of a reply (this call only).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>Retries of a request that failed transiently (this call only).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaximumRetryCount { get; set; }

    /// <summary>Seconds before the first retry; each further retry waits twice as long (this call only).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? RetryIntervalSec { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var assignmentId in AssignmentId)
        {
            HashSet<long>? wanted = CustomerId is { Length: > 0 } ? new HashSet<long>(CustomerId) : null;
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

    protected override void EndProcessing()
    {
        var connection = ResolveConnection();
        var settings = connection.RequestSettings.With(TimeoutSec, MaximumRetryCount, RetryIntervalSec);
        _collection = new CustomerCollection(new CustomerCollectionOptions
        {
            Skip = PagingParameters.Skip,
            First = PagingParameters.First,
            UpdatedSince = UpdatedSince,
            SpoolMemoryBytes = SpoolMemoryBytes(),
        });

        var allRead = true;
        var reading = System.Diagnostics.Stopwatch.StartNew();
        foreach (var assignmentId in _assignmentOrder)
        {
            if (_collection.IsFull)
            {
                allRead = false;
                break;
            }

            try
            {
                RunBlocking((log, token) => new CustomerDownloader(connection, settings, log).DownloadAsync(assignmentId, _customersWanted[assignmentId], _collection, token));
            }
            catch (CubeException e) when (e.ErrorId is not (CubeErrorIds.AuthenticationFailed or CubeErrorIds.CertificateRejected or CubeErrorIds.TemporaryStorageFailed))
            {
                // This assignment failed and left nothing in the collection; the others go on.
                WriteCubeError(e);
            }
            catch (CubeException e)
            {
                // Refused credentials or certificate, or no room to hold the records: every further
                // assignment would fail the same way.
                ThrowCubeError(e);
            }
        }

        WriteVerbose(string.Format(
            CultureInfo.InvariantCulture,
            "Read {0:N0} customers ({1:N0} kept) in {2:N1} s; held as {3:N1} MB in memory{4} until all are in.",
            _collection.RecordsReceived,
            _collection.Count,
            reading.Elapsed.TotalSeconds,
            _collection.SpoolMemoryBytes / 1048576.0,
            _collection.PeakTemporaryFileBytes > 0 ? string.Format(CultureInfo.InvariantCulture, " and a {0:N1} MB temporary file", _collection.PeakTemporaryFileBytes / 1048576.0) : string.Empty));
        WarnAboutChangedData();
        if (PagingParameters.IncludeTotalCount)
        {
            WriteTotalCount(allRead && !_collection.IsFull);
        }

        WriteCustomers();
    }

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

    private void WriteCustomers()
    {
        var collection = _collection!;
        var propertyNames = collection.PropertyNames;
        var factory = new CustomerObjectFactory(propertyNames);
        var total = collection.Count;
        long written = 0;
        var writing = System.Diagnostics.Stopwatch.StartNew();
        var governor = new Gen0CollectionPacer();
        using var producer = new CustomerObjectProducer(collection.ReadRecords(), factory);
        foreach (var customer in producer.Objects())
        {
            WriteObject(customer);
            governor.Tick();
            if ((++written & 1023) == 0)
            {
                Progress.ReportWriting(written, total);
            }
        }

        Progress.Complete();
        WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Wrote {0:N0} customers with {1} properties each in {2:N1} s.", written, propertyNames.Count, writing.Elapsed.TotalSeconds));
    }

    private void WriteTotalCount(bool readEverything)
    {
        var collection = _collection!;
        var hasFilters = UpdatedSince.HasValue || _customersWanted.Values.Any(ids => ids is not null);
        if (readEverything)
        {
            WriteObject(PagingParameters.NewTotalCount((ulong)collection.Count + collection.SkippedCount, 1.0));
        }
        else if (!hasFilters && collection.ServerTotalCount is { } count)
        {
            WriteObject(PagingParameters.NewTotalCount((ulong)count, 1.0));
        }
        else
        {
            WriteObject(PagingParameters.NewTotalCount(0, 0.0));
        }
    }

    private void WarnAboutChangedData()
    {
        var collection = _collection!;
        foreach (var renamed in collection.RenamedKeys)
        {
            WriteWarning(string.Format(
                CultureInfo.InvariantCulture,
                "Cube sent the key '{0}', which PowerShell cannot use as a property name as it is (it is empty, reserved, or equal to another key but for case); its values are in the property '{1}'.",
                renamed.Key,
                renamed.Value));
        }

        if (collection.UndatedRecordsKept > 0)
        {
            WriteWarning(string.Format(
                CultureInfo.InvariantCulture,
                "{0:N0} customers have no date in 'updated'; -UpdatedSince kept them because it cannot tell whether they changed.",
                collection.UndatedRecordsKept));
        }
    }

    private long SpoolMemoryBytes()
    {
        var text = Environment.GetEnvironmentVariable(SpoolMemoryVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return CustomerCollectionOptions.DefaultSpoolMemoryBytes;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var megabytes) || megabytes < 0)
        {
            ThrowCubeError(new CubeException(
                CubeErrorIds.InvalidEnvironment,
                CubeErrorCategory.InvalidArgument,
                SpoolMemoryVariable + " must be a whole number of megabytes (0 or more), not '" + text + "'."));
        }

        return megabytes * 1024 * 1024;
    }
}
