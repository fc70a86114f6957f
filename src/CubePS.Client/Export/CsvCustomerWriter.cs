using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using CubePS.Records;

namespace CubePS.Export;

/// <summary>
/// Writes customers as CSV, byte for byte what Export-Csv writes for the objects Get-CubeCustomer
/// makes of them: a header of the property names, every field in double quotes (quotes inside
/// doubled), nothing at all for a null, values as their ToString() in the session's culture.
/// Straight from the stored records: no object is made for a record.
/// </summary>
internal static class CsvCustomerWriter
{
    private const byte Quote = (byte)'"';

    /// <summary>Writes the file; returns the rows written (the header not counted).</summary>
    public static long Write(Utf8Output output, IReadOnlyList<string> header, IEnumerable<StoredRecord> records, CsvFormat format, Action<long>? progress, CancellationToken cancellationToken)
    {
        var delimiter = Encoding.UTF8.GetBytes(format.Delimiter.ToString());
        var newLine = Encoding.UTF8.GetBytes(format.NewLine);
        var numbers = new NumberText(format.Culture);
        for (var i = 0; i < header.Count; i++)
        {
            if (i > 0)
            {
                output.Write(delimiter);
            }

            WriteQuoted(output, Encoding.UTF8.GetBytes(header[i]));
        }

        output.Write(newLine);

        var byColumn = new FieldsByColumn(header.Count);
        var rows = new RowCounter(progress, cancellationToken);
        foreach (var record in records)
        {
            byColumn.Fill(record);
            for (var column = 0; column < byColumn.Columns; column++)
            {
                if (column > 0)
                {
                    output.Write(delimiter);
                }

                if (byColumn.FieldAt(column) is var field and >= 0)
                {
                    WriteField(output, record.Raw, record.Fields[field], numbers);
                }
            }

            output.Write(newLine);
            output.FlushIfFull();
            rows.Add();
        }

        output.Flush(final: true);
        return rows.Rows;
    }

    [MethodImpl(JitHints.HotLoop)]
    private static void WriteField(Utf8Output output, byte[] raw, StoredField field, NumberText numbers)
    {
        switch (field.Tag)
        {
            case ValueTag.String:
            case ValueTag.Json:
                WriteQuoted(output, new ReadOnlySpan<byte>(raw, field.Offset, field.Length));
                break;
            case ValueTag.Number:
                WriteQuoted(output, numbers.Format(new ReadOnlySpan<byte>(raw, field.Offset, field.Length)));
                break;
            case ValueTag.True:
                output.Write("\"True\""u8);
                break;
            case ValueTag.False:
                output.Write("\"False\""u8);
                break;
            default:
                // Null: Export-Csv writes nothing between the delimiters.
                break;
        }
    }

    [MethodImpl(JitHints.HotLoop)]
    private static void WriteQuoted(Utf8Output output, ReadOnlySpan<byte> utf8)
    {
        output.Write(Quote);
        var quote = utf8.IndexOf(Quote);
        while (quote >= 0)
        {
            output.Write(utf8.Slice(0, quote + 1));
            output.Write(Quote);
            utf8 = utf8.Slice(quote + 1);
            quote = utf8.IndexOf(Quote);
        }

        output.Write(utf8);
        output.Write(Quote);
    }
}
