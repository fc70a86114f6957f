using System;
using CubePS.Export;

namespace CubePS;

/// <summary>What Export-CubeCustomer -PassThru writes: the file it made.</summary>
public sealed class ExportResult
{
    internal ExportResult(string path, ExportFormat format, long customers, int columns, long bytes, TimeSpan duration)
    {
        Path = path;
        Format = format;
        Customers = customers;
        Columns = columns;
        Bytes = bytes;
        Duration = duration;
    }

    /// <summary>The full path of the file written.</summary>
    public string Path { get; }

    public ExportFormat Format { get; }

    /// <summary>Customers written (rows below the header, or lines).</summary>
    public long Customers { get; }

    /// <summary>Columns of the CSV or worksheet; for JSON Lines, the keys the customers carry in all.</summary>
    public int Columns { get; }

    /// <summary>The file's size.</summary>
    public long Bytes { get; }

    /// <summary>From the first request to the file in place.</summary>
    public TimeSpan Duration { get; }

    public override string ToString() => Path;
}
