using System.Globalization;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CubePS.Client.Tests.Properties;

/// <summary>
/// The documented mapping from Cube's JSON to property names and values, written again
/// independently of CubePS's streaming reader: from JsonDocument, one record at a time.
/// </summary>
public static class Oracle
{
    private static readonly string[] Reserved = { "PSObject", "PSBase", "PSAdapted", "PSExtended", "PSTypeNames" };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>Property names and rows, as Get-CubeCustomer documents them, for the records of <paramref name="json"/> (a bare array).</summary>
    public static (List<string> Names, List<object?[]> Rows) Read(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1024 });
        var keys = new List<string>();
        var names = new List<string>();
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in document.RootElement.EnumerateArray())
        {
            foreach (var member in record.EnumerateObject())
            {
                if (keys.Contains(member.Name))
                {
                    continue;
                }

                keys.Add(member.Name);
                var name = member.Name;
                if (name.Length == 0 || Reserved.Contains(name, StringComparer.OrdinalIgnoreCase) || taken.Contains(name))
                {
                    var suffix = 2;
                    while (taken.Contains(member.Name + "_" + suffix.ToString(CultureInfo.InvariantCulture)))
                    {
                        suffix++;
                    }

                    name = member.Name + "_" + suffix.ToString(CultureInfo.InvariantCulture);
                }

                taken.Add(name);
                names.Add(name);
            }
        }

        var rows = new List<object?[]>();
        foreach (var record in document.RootElement.EnumerateArray())
        {
            var row = new object?[keys.Count];
            foreach (var member in record.EnumerateObject())
            {
                row[keys.IndexOf(member.Name)] = Value(member.Value);
            }

            rows.Add(row);
        }

        return (names, rows);
    }

    public static object? Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => Number(element.GetRawText()),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => JsonSerializer.Serialize(element, Compact),
    };

    /// <summary>Integers exact at any size; a fraction a Decimal when it holds it exactly, else a Double; beyond Double, the text.</summary>
    private static object Number(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (text.IndexOfAny(new[] { '.', 'e', 'E' }) < 0)
        {
            return BigInteger.Parse(text, CultureInfo.InvariantCulture);
        }

        if (text.IndexOfAny(new[] { 'e', 'E' }) < 0 && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var exact) && exact.ToString(CultureInfo.InvariantCulture) == text)
        {
            return exact;
        }

        var approximate = double.Parse(text, CultureInfo.InvariantCulture);
        return double.IsInfinity(approximate) ? text : approximate;
    }
}
