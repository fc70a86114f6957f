using System;
using System.Text.Json;
using CubePS.Pages;

namespace CubePS.Customers;

/// <summary>
/// The <c>next</c> link at the start of a page fetched ahead, found without reading its records:
/// Cube's envelope names <c>count</c> and <c>next</c> before <c>results</c>, so the start of the
/// page is enough to request the page after it while earlier ones are still being read.
/// </summary>
internal static class EnvelopeHead
{
    private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

    /// <summary>The link, or null when <paramref name="start"/> does not name one before the results (or is not an envelope at all).</summary>
    public static string? ReadNext(ReadOnlySpan<byte> start)
    {
        if (start.StartsWith(Utf8Bom))
        {
            start = start.Slice(Utf8Bom.Length);
        }

        try
        {
            var reader = new Utf8JsonReader(start, isFinalBlock: false, new JsonReaderState(JsonLimits.ReaderOptions));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("results"))
                {
                    return null;
                }

                var isNext = reader.ValueTextEquals("next");
                if (!reader.Read())
                {
                    return null;
                }

                if (isNext)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { } link && !string.IsNullOrWhiteSpace(link) ? link : null;
                }

                if (!reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not an envelope that can be read here: the page is read in full in its turn, and judged then.
        }

        return null;
    }
}
