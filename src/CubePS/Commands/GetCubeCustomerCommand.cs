using System.Globalization;
using System.Management.Automation;
using CubePS.Customers;
using CubePS.Output;

namespace CubePS.Commands;

/// <summary>
/// Get-CubeCustomer: the customers of one or more assignments, as CubePS.Customer objects that
/// all share one property set per call (every key of every record, in order of first appearance),
/// so Export-Csv keeps every column. Records are downloaded and held compactly until the last
/// assignment is in, then written one object at a time.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CubeCustomer", SupportsPaging = true, HelpUri = HelpUri + "Get-CubeCustomer.md")]
[OutputType(CustomerObjectFactory.TypeName)]
public sealed class GetCubeCustomerCommand : CubeCustomerCmdlet
{
    private protected override void EndCubeProcessing()
    {
        var collection = DownloadAll(PagingParameters.Skip, PagingParameters.First, out var allRead, out _);
        var (total, accuracy) = TotalCount(collection, allRead && !collection.IsFull);
        WriteVerbose(accuracy > 0
            ? string.Format(CultureInfo.InvariantCulture, "In all, {0:N0} customers match (the total that -IncludeTotalCount writes first).", total)
            : "The total number of customers is not known: a filter or -First left some unread, and Cube gave no count.");
        if (PagingParameters.IncludeTotalCount)
        {
            WriteObject(PagingParameters.NewTotalCount(total, accuracy));
        }

        WriteCustomers(collection);

        // Cube went down: the assignments read before are written above, whole; the call ends
        // with the one error that names every assignment not read.
        if (CallStoppedBy is { } unavailable)
        {
            throw unavailable;
        }
    }

    private void WriteCustomers(CustomerCollection collection)
    {
        var propertyNames = collection.PropertyNames;
        var factory = new CustomerObjectFactory(propertyNames);
        var total = collection.Count;
        long written = 0;
        var writing = System.Diagnostics.Stopwatch.StartNew();
        using var producer = new CustomerObjectProducer(collection.ReadRecords(), factory);
        foreach (var customer in producer.Objects())
        {
            WriteObject(customer);
            if ((++written & 1023) == 0)
            {
                Progress.ReportWriting(written, total);
            }
        }

        Progress.Complete();
        WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Wrote {0:N0} customers with {1} properties each in {2:N1} s.", written, propertyNames.Count, writing.Elapsed.TotalSeconds));
    }

    /// <summary>The total: counted when everything was read, else Cube's count when no filter applies, else unknown (accuracy 0).</summary>
    private (ulong Total, double Accuracy) TotalCount(CustomerCollection collection, bool readEverything)
    {
        if (readEverything)
        {
            return ((ulong)collection.Count + collection.SkippedCount, 1.0);
        }

        return !HasFilters && collection.ServerTotalCount is { } count ? ((ulong)count, 1.0) : (0, 0.0);
    }
}
