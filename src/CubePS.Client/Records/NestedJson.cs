using System;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using CubePS.Pages;

namespace CubePS.Records;

/// <summary>Rewrites a nested JSON value compactly: whitespace dropped, non-ASCII letters kept as they are.</summary>
internal sealed class NestedJson
{
    private static readonly JsonWriterOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false, MaxDepth = JsonLimits.MaxDepth };

    private MemoryStream? _output;

    /// <summary>The compact text of <paramref name="json"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> Compact(ReadOnlySpan<byte> json)
    {
        if (json.Length == 2)
        {
            return json; // {} or [], the common case of more_info_fields.
        }

        _output ??= new MemoryStream();
        _output.SetLength(0);
        using (var writer = new Utf8JsonWriter(_output, CompactJson))
        {
            var reader = new Utf8JsonReader(json, JsonLimits.ReaderOptions);
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(reader.GetString()!);
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(reader.GetString());
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }
            }
        }

        return new ReadOnlySpan<byte>(_output.GetBuffer(), 0, (int)_output.Length);
    }
}
