using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using CubePS.Records;

namespace CubePS.Export;

/// <summary>
/// Writes customers as JSON Lines: one compact JSON object per customer, as Cube sent it: the
/// record's own keys (as Cube spelled them) in its order, null values included, numbers with
/// exactly the characters Cube sent, nested values as compact JSON. UTF-8, one line per record.
/// </summary>
internal static class JsonLinesCustomerWriter
{
    public static long Write(Utf8Output output, IReadOnlyList<Column> columns, IEnumerable<StoredRecord> records, Action<long>? progress, CancellationToken cancellationToken)
    {
        // Each key once, as a quoted, escaped JSON string with its colon.
        var keys = new byte[columns.Count][];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = JsonKey(columns[i].Utf8Key);
        }

        var rows = new RowCounter(progress, cancellationToken);
        foreach (var record in records)
        {
            output.Write((byte)'{');
            var fields = record.Fields;
            for (var f = 0; f < record.Count; f++)
            {
                if (f > 0)
                {
                    output.Write((byte)',');
                }

                var field = fields[f];
                output.Write(keys[field.Column]);
                WriteValue(output, record.Raw, field);
            }

            output.Write("}\n"u8);
            output.FlushIfFull();
            rows.Add();
        }

        output.Flush(final: true);
        return rows.Rows;
    }

    [MethodImpl(JitHints.HotLoop)]
    private static void WriteValue(Utf8Output output, byte[] raw, StoredField field)
    {
        var value = new ReadOnlySpan<byte>(raw, field.Offset, field.Length);
        switch (field.Tag)
        {
            case ValueTag.String:
                WriteString(output, value);
                break;
            case ValueTag.Number:
            case ValueTag.Json:
                output.Write(value);
                break;
            case ValueTag.True:
                output.Write("true"u8);
                break;
            case ValueTag.False:
                output.Write("false"u8);
                break;
            default:
                output.Write("null"u8);
                break;
        }
    }

    private static byte[] JsonKey(byte[] utf8)
    {
        using var memory = new System.IO.MemoryStream();
        var output = new Utf8Output(memory, new UTF8Encoding(false));
        WriteString(output, utf8);
        output.Write((byte)':');
        output.Flush(final: true);
        return memory.ToArray();
    }

    /// <summary>
    /// A JSON string: quote, backslash and control characters escaped, and the three characters
    /// that many line readers take for a line end (U+0085, U+2028, U+2029), so that one record is
    /// one line to every reader; everything else (æøå, emoji) as UTF-8.
    /// </summary>
    [MethodImpl(JitHints.HotLoop)]
    private static void WriteString(Utf8Output output, ReadOnlySpan<byte> utf8)
    {
        output.Write((byte)'"');
        var start = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (b >= 0x20 && b != (byte)'"' && b != (byte)'\\' && b != 0xC2 && b != 0xE2)
            {
                continue;
            }

            var lineBreak = b is 0xC2 or 0xE2 ? LineBreakAt(utf8, i) : default;
            if (b is 0xC2 or 0xE2 && lineBreak.Length == 0)
            {
                // The lead byte of some other character.
                continue;
            }

            output.Write(utf8.Slice(start, i - start));
            if (lineBreak.Length > 0)
            {
                output.Write(lineBreak);
                i += b == 0xC2 ? 1 : 2;
                start = i + 1;
                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    output.Write("\\\""u8);
                    break;
                case (byte)'\\':
                    output.Write("\\\\"u8);
                    break;
                case (byte)'\n':
                    output.Write("\\n"u8);
                    break;
                case (byte)'\r':
                    output.Write("\\r"u8);
                    break;
                case (byte)'\t':
                    output.Write("\\t"u8);
                    break;
                default:
                    output.Write("\\u00"u8);
                    output.Write((byte)"0123456789abcdef"[b >> 4]);
                    output.Write((byte)"0123456789abcdef"[b & 0xF]);
                    break;
            }

            start = i + 1;
        }

        output.Write(utf8.Slice(start));
        output.Write((byte)'"');
    }

    /// <summary>The escape of U+0085, U+2028 or U+2029 when one starts at <paramref name="i"/>; empty otherwise.</summary>
    private static ReadOnlySpan<byte> LineBreakAt(ReadOnlySpan<byte> utf8, int i)
    {
        if (utf8[i] == 0xC2 && i + 1 < utf8.Length && utf8[i + 1] == 0x85)
        {
            return "\\u0085"u8;
        }

        if (utf8[i] == 0xE2 && i + 2 < utf8.Length && utf8[i + 1] == 0x80)
        {
            return utf8[i + 2] switch
            {
                0xA8 => "\\u2028"u8,
                0xA9 => "\\u2029"u8,
                _ => default,
            };
        }

        return default;
    }
}
