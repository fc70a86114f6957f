using System;
using System.IO;

namespace CubePS.Export;

/// <summary>The kinds of file Export-CubeCustomer writes.</summary>
public enum ExportFormat
{
    /// <summary>Comma-separated values, as Export-Csv writes them.</summary>
    Csv,

    /// <summary>An Excel workbook with one worksheet.</summary>
    Xlsx,

    /// <summary>JSON Lines: one JSON object per customer, as Cube sent it.</summary>
    JsonLines,
}

/// <summary>Which format a file name asks for.</summary>
internal static class ExportFormats
{
    /// <summary>The format the extension of <paramref name="path"/> names, or null for any other.</summary>
    public static ExportFormat? FromExtension(string path) =>
        Path.GetExtension(path).ToUpperInvariant() switch
        {
            ".CSV" => ExportFormat.Csv,
            ".XLSX" => ExportFormat.Xlsx,
            ".JSONL" => ExportFormat.JsonLines,
            _ => null,
        };
}
