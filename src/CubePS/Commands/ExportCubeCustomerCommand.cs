using System;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;
using CubePS.Customers;
using CubePS.Errors;
using CubePS.Export;
using CubePS.Records;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>
/// Export-CubeCustomer: the customers of one or more assignments straight into a file (CSV for
/// Excel or a loader, an .xlsx workbook, or JSON Lines), with no object in between, written whole
/// or not at all.
/// </summary>
[Cmdlet(VerbsData.Export, "CubeCustomer", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, HelpUri = HelpUri + "Export-CubeCustomer.md")]
[OutputType(typeof(ExportResult))]
public sealed class ExportCubeCustomerCommand : CubeCustomerCmdlet
{
    private const string PathSet = "Path";
    private const string PathUseCultureSet = "PathUseCulture";
    private const string LiteralPathSet = "LiteralPath";
    private const string LiteralPathUseCultureSet = "LiteralPathUseCulture";

    private string _fullPath = string.Empty;
    private ExportFormat _format;

    /// <summary>The file to write; a relative path is relative to the current location; wildcards must name one existing file.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = PathUseCultureSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The file to write, taken exactly as typed (no wildcard characters).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathUseCultureSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = string.Empty;

    /// <summary>Csv, Xlsx or JsonLines; by default from the extension (.csv, .xlsx, .jsonl).</summary>
    [Parameter]
    public ExportFormat? Format { get; set; }

    /// <summary>The most customers to write.</summary>
    [Parameter]
    public ulong? First { get; set; }

    /// <summary>CSV: the character between fields (',' by default).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public char Delimiter { get; set; } = ',';

    /// <summary>CSV: the list separator of the current culture (';' in Norway) between fields.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathUseCultureSet)]
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathUseCultureSet)]
    public SwitchParameter UseCulture { get; set; }

    /// <summary>CSV: the file's encoding (utf8BOM by default, which Excel reads correctly).</summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    /// <summary>Do not replace an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Write an object that describes the file written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool UsesLiteralPath => ParameterSetName.StartsWith(LiteralPathSet, StringComparison.Ordinal);

    private protected override void BeginCubeProcessing()
    {
        base.BeginCubeProcessing();

        // Every check that needs no request comes first: a wrong path or format costs no download.
        var given = UsesLiteralPath ? LiteralPath : Path;
        _fullPath = ResolveTarget(given);
        if (Directory.Exists(_fullPath))
        {
            throw InvalidArgument("'" + _fullPath + "' is a folder; give the path of a file in it.", given);
        }

        _format = Format ?? ExportFormats.FromExtension(_fullPath)
            ?? throw InvalidArgument(
                "Cannot tell the format from the file name '" + System.IO.Path.GetFileName(_fullPath) + "': use a .csv, .xlsx or .jsonl extension, or add -Format Csv, Xlsx or JsonLines.",
                given);

        if (_format != ExportFormat.Csv && (MyInvocation.BoundParameters.ContainsKey(nameof(Delimiter)) || UseCulture || Encoding is not null))
        {
            throw InvalidArgument("-Delimiter, -UseCulture and -Encoding are for CSV; " + _format + " files have their own fixed form.", _format);
        }

        var folder = System.IO.Path.GetDirectoryName(_fullPath);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            throw new CubeException(CubeErrorIds.InvalidArgument, CubeErrorCategory.ObjectNotFound, "The folder of '" + _fullPath + "' does not exist; create it first.", given);
        }
    }

    private protected override void EndCubeProcessing()
    {
        if (!ShouldProcess(_fullPath, "Export the customers of assignment " + string.Join(", ", AssignmentIdsAsked()) + " as " + _format))
        {
            return;
        }

        // After -WhatIf has said what would be written, and still before any request.
        if (NoClobber && File.Exists(_fullPath))
        {
            throw new CubeException(CubeErrorIds.FileExists, CubeErrorCategory.ResourceExists, _fullPath + " already exists, and -NoClobber says not to replace it.", _fullPath);
        }

        using var target = new ExportTarget(_fullPath, NoClobber);
        target.EnsureReplaceable();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var collection = DownloadAll(0, First ?? ulong.MaxValue, out _, out var assignmentsRead);
        if (CallStoppedBy is { } unavailable)
        {
            // Cube went down part way: a file of some assignments would replace a whole export
            // unnoticed, so nothing is written, and the error names every assignment of the call.
            var notExported = unavailable.WithMessage(string.Format(
                CultureInfo.InvariantCulture,
                "{0} Nothing was written: {1} is as it was; all {2} assignments of the call, the ones read included, are in the error's TargetObject.",
                unavailable.Message,
                _fullPath,
                AssignmentIdsAsked().Count));
            notExported.TargetObject = AssignmentIdsAsked().ToArray();
            notExported.RecommendedAction = "Export again once Cube answers (Test-CubeConnection shows whether it does); the assignments to export are in the error's TargetObject.";
            throw notExported;
        }

        if (assignmentsRead == 0 && !collection.IsFull)
        {
            // Every assignment failed, and its error is written: an empty file would replace a good
            // export with nothing, so the target stays as it was.
            WriteWarning(_fullPath + " was not written: no assignment of the call could be read (see the errors). The file, if there was one, is as it was.");
            return;
        }

        var header = collection.Count > 0 || collection.RecordsReceived > 0 ? collection.PropertyNames : StandardFields.Keys;
        var culture = CultureInfo.CurrentCulture;
        var format = new CsvFormat(UseCulture ? culture.TextInfo.ListSeparator[0] : Delimiter, Encoding ?? new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), culture);
        long written = 0;
        long bytes = 0;
        WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Writing {0:N0} customers to {1} as {2}.", collection.Count, target.WritingTo, _format));
        RunBlocking((log, token) => Task.Run(
            () =>
            {
                var total = collection.Count;
                Action<long> progress = rows => log.Writing(rows, total);
                (written, bytes) = target.Write(stream =>
                {
                    switch (_format)
                    {
                        case ExportFormat.Xlsx:
                            return XlsxCustomerWriter.Write(stream, header, CustomerIdColumn(collection), collection.ReadStoredRecords(), total, progress, token);
                        case ExportFormat.JsonLines:
                            var output = new Utf8Output(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                            var lines = JsonLinesCustomerWriter.Write(output, collection.Schema.Columns, collection.ReadStoredRecords(), progress, token);
                            return (lines, output.BytesWritten);
                        default:
                            var csv = new Utf8Output(stream, format.Encoding);
                            var records = CsvCustomerWriter.Write(csv, header, collection.ReadStoredRecords(), format, progress, token);
                            return (records, csv.BytesWritten);
                    }
                });
            },
            token));
        target.Commit();
        Progress.Complete();

        var columns = _format == ExportFormat.JsonLines ? collection.Schema.Count : header.Count;
        WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Wrote {0:N0} customers ({1} columns, {2:N0} bytes) to {3} in {4:N1} s.", written, columns, bytes, _fullPath, started.Elapsed.TotalSeconds));
        if (PassThru)
        {
            WriteObject(new ExportResult(_fullPath, _format, written, columns, target.IsDevice ? bytes : new FileInfo(_fullPath).Length, started.Elapsed));
        }
    }

    /// <summary>
    /// The file system path to write. -Path resolves wildcards as Export-Csv does: a pattern must
    /// name exactly one existing file; -LiteralPath takes every character as it is.
    /// </summary>
    private string ResolveTarget(string given)
    {
        ProviderInfo provider;
        string path;
        if (!UsesLiteralPath && WildcardPattern.ContainsWildcardCharacters(given))
        {
            Collection<string> matches;
            try
            {
                matches = SessionState.Path.GetResolvedProviderPathFromPSPath(given, out provider);
            }
            catch (ItemNotFoundException)
            {
                matches = new Collection<string>();
                provider = SessionState.Path.CurrentFileSystemLocation.Provider;
            }
            catch (SessionStateException e)
            {
                throw InvalidArgument(e.Message, given);
            }

            if (matches.Count != 1)
            {
                throw InvalidArgument(
                    string.Format(CultureInfo.InvariantCulture, "The wildcard path '{0}' matches {1} files; it must match exactly one existing file. To write a name with wildcard characters in it, use -LiteralPath.", given, matches.Count),
                    given);
            }

            path = matches[0];
        }
        else
        {
            try
            {
                // A -Path with escaped wildcard characters ('h`[1`].csv') names the file without the escapes, as Export-Csv takes it.
                var unescaped = UsesLiteralPath ? given : WildcardPattern.Unescape(given);
                path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(unescaped, out provider, out _);
            }
            catch (Exception e) when (e is SessionStateException or ArgumentException)
            {
                throw InvalidArgument(e.Message, given);
            }
        }

        if (path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            throw InvalidArgument("'" + given + "' has a character no file name can hold (such as a NUL).", given);
        }

        if (provider.Name != "FileSystem")
        {
            throw InvalidArgument("'" + given + "' is not a file system path; Export-CubeCustomer writes files.", given);
        }

        return path;
    }

    /// <summary>The column of the customer_id key, which names the customer in a per-value error; -1 when none.</summary>
    private static int CustomerIdColumn(CustomerCollection collection)
    {
        foreach (var column in collection.Schema.Columns)
        {
            if (column.Role == ColumnRole.CustomerId)
            {
                return column.Index;
            }
        }

        return -1;
    }

    private static CubeException InvalidArgument(string message, object target) =>
        new(CubeErrorIds.InvalidArgument, CubeErrorCategory.InvalidArgument, message, target);
}
