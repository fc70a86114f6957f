using System;
using System.Globalization;
using System.Text;

namespace CubePS.Export;

/// <summary>How a CSV file is written: the choices Export-Csv offers, with the same meaning.</summary>
internal sealed class CsvFormat
{
    public CsvFormat(char delimiter, Encoding encoding, CultureInfo culture)
    {
        Delimiter = delimiter;
        Encoding = encoding;
        Culture = culture;
    }

    public char Delimiter { get; }

    public Encoding Encoding { get; }

    /// <summary>The culture numbers are written in (Export-Csv writes each value's ToString() in the session's culture).</summary>
    public CultureInfo Culture { get; }

    /// <summary>Between rows, as Export-Csv ends its lines.</summary>
    public string NewLine { get; } = Environment.NewLine;
}
