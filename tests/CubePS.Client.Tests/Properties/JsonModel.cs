using System.Globalization;
using System.Text;
using CsCheck;

namespace CubePS.Client.Tests.Properties;

/// <summary>A JSON value as the generator builds it, before it is written as text.</summary>
public abstract record JsonModel
{
    public sealed record Text(string Value) : JsonModel;

    /// <summary>A number as the exact characters written (any size, any precision).</summary>
    public sealed record Number(string Digits) : JsonModel;

    public sealed record Boolean(bool Value) : JsonModel;

    public sealed record Null : JsonModel;

    public sealed record Object(IReadOnlyList<(string Key, JsonModel Value)> Members) : JsonModel;

    public sealed record Array(IReadOnlyList<JsonModel> Items) : JsonModel;
}

/// <summary>A random assignment and how a hostile but valid server serves it.</summary>
public sealed record ServedAssignment(
    IReadOnlyList<IReadOnlyList<(string Key, JsonModel Value)>> Records,
    int PageSize,
    bool ByteOrderMark,
    bool EscapeNonAscii,
    bool Spaced,
    int ChunkSeed)
{
    public override string ToString() =>
        $"{Records.Count} records, page size {PageSize}, BOM {ByteOrderMark}, escaped {EscapeNonAscii}, spaced {Spaced}, chunks {ChunkSeed}: " + JsonText.Page(Records, null, null, EscapeNonAscii, Spaced);
}

/// <summary>Generators for random customer data with everything that has broken JSON readers and CSV files.</summary>
public static class JsonGen
{
    /// <summary>Keys that collide but for case, that PowerShell reserves, that are empty, Norwegian, emoji, with quotes and separators.</summary>
    private static readonly string[] Keys =
    {
        "name", "city", "Region", "region", "REGION", "phone_1", "zip_code", "updated", "more_info_fields",
        "PSObject", "psbase", "PSTypeNames", string.Empty, "Kontaktperson æøå", "Ærlig Ødegård", "emoji 😀",
        "quote\"key", "semi;colon", "comma,key", "tab\tkey", "new\nline", "back\\slash", "Klassifisering",
    };

    /// <summary>Characters for strings: letters, Norwegian letters, an emoji (a surrogate pair), quotes, separators, controls.</summary>
    private static readonly string[] Characters =
    {
        "a", "Z", "0", "1", "9", " ", "æ", "ø", "å", "Æ", "Ø", "Å", "😀", "\"", "\\", "/", ";", ",", "\t", "\n", "\r\n", "\u0001", "+", "-", ".", "e", "'", "<", "&", "\u00a0", "€",
    };

    /// <summary>Strings that look like numbers, dates or booleans: they must stay text.</summary>
    private static readonly string[] Lookalikes =
    {
        "0150", "+4799999999", "00417", "989898981", "1e5", "1.10", "-0", " 12 ", "true", "null", "2016-04-07", "0x1F", "Infinity", "NaN", "=1+1", string.Empty,
    };

    public static readonly Gen<string> Text =
        Gen.Frequency(
            (3, Gen.OneOf(Characters).Array[0, 12].Select(parts => string.Concat(parts))),
            (1, Gen.OneOf(Lookalikes)));

    public static readonly Gen<string> Digits = Gen.Char['0', '9'].Array[1, 45].Select(chars => new string(chars));

    /// <summary>JSON numbers of every size and precision: integers past Int64, fractions past Decimal, exponents.</summary>
    public static readonly Gen<string> Number =
        Gen.Select(Gen.Bool, Digits, Gen.Frequency((3, Gen.Const(string.Empty)), (2, Digits.Select(d => "." + d))), Gen.Frequency((4, Gen.Const(string.Empty)), (1, Gen.Int[-320, 320].Select(e => "e" + e.ToString(CultureInfo.InvariantCulture)))))
            .Select((negative, digits, fraction, exponent) => (negative ? "-" : string.Empty) + digits.TrimStart('0').PadLeft(1, '0') + fraction + exponent);

    public static readonly Gen<JsonModel> Scalar =
        Gen.Frequency(
            (4, Text.Select(t => (JsonModel)new JsonModel.Text(t))),
            (3, Number.Select(n => (JsonModel)new JsonModel.Number(n))),
            (1, Gen.Bool.Select(b => (JsonModel)new JsonModel.Boolean(b))),
            (2, Gen.Const((JsonModel)new JsonModel.Null())));

    public static readonly Gen<JsonModel> Value = Gen.Recursive<JsonModel>((depth, inner) =>
        depth >= 3
            ? Scalar
            : Gen.Frequency(
                (8, Scalar),
                (1, Gen.Select(Gen.OneOf(Keys), inner).Array[0, 3].Select(members => (JsonModel)new JsonModel.Object(Distinct(members)))),
                (1, inner.Array[0, 3].Select(items => (JsonModel)new JsonModel.Array(items)))));

    public static readonly Gen<ServedAssignment> Assignment =
        Gen.Select(
            Gen.Select(Gen.Select(Gen.OneOf(Keys), Value).Array[0, 8], Gen.Bool).Array[0, 12],
            Gen.Int[0, 5],
            Gen.Bool,
            Gen.Bool,
            Gen.Bool,
            Gen.Int,
            (records, pageSize, bom, escape, spaced, chunkSeed) => new ServedAssignment(Records(records), pageSize, bom, escape, spaced, chunkSeed));

    /// <summary>The records, each with a unique customer_id first (as a number, or sometimes as text).</summary>
    private static List<IReadOnlyList<(string Key, JsonModel Value)>> Records((( string, JsonModel)[] Members, bool IdAsText)[] drawn)
    {
        var records = new List<IReadOnlyList<(string Key, JsonModel Value)>>();
        for (var i = 0; i < drawn.Length; i++)
        {
            var id = (1000 + i).ToString(CultureInfo.InvariantCulture);
            var record = new List<(string, JsonModel)> { ("customer_id", drawn[i].IdAsText ? new JsonModel.Text(id) : new JsonModel.Number(id)) };
            record.AddRange(Distinct(drawn[i].Members));
            records.Add(record);
        }

        return records;
    }

    /// <summary>One member per key: JSON allows repeated keys, but what they mean is not defined.</summary>
    private static List<(string Key, JsonModel Value)> Distinct((string Key, JsonModel Value)[] members)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { "customer_id" };
        return members.Where(member => seen.Add(member.Key)).ToList();
    }
}

/// <summary>Writes the model as JSON text, escaping as a server might.</summary>
public static class JsonText
{
    public static string Page(IEnumerable<IReadOnlyList<(string Key, JsonModel Value)>> records, long? count, string? next, bool escapeNonAscii, bool spaced)
    {
        var text = new StringBuilder();
        var space = spaced ? " \n " : string.Empty;
        if (count is { } total)
        {
            text.Append('{').Append(space).Append("\"count\":").Append(space).Append(total.ToString(CultureInfo.InvariantCulture)).Append(',').Append(space)
                .Append("\"next\":").Append(space).Append(next is null ? "null" : Quote(next, escapeNonAscii)).Append(',').Append(space)
                .Append("\"previous\": null,").Append(space).Append("\"results\":").Append(space);
        }

        text.Append('[');
        var first = true;
        foreach (var record in records)
        {
            text.Append(first ? space : "," + space);
            first = false;
            Write(text, new JsonModel.Object(record), escapeNonAscii, space);
        }

        text.Append(space).Append(']');
        if (count is not null)
        {
            text.Append(space).Append('}');
        }

        return text.ToString();
    }

    public static void Write(StringBuilder text, JsonModel value, bool escapeNonAscii, string space)
    {
        switch (value)
        {
            case JsonModel.Text t:
                text.Append(Quote(t.Value, escapeNonAscii));
                break;
            case JsonModel.Number n:
                text.Append(n.Digits);
                break;
            case JsonModel.Boolean b:
                text.Append(b.Value ? "true" : "false");
                break;
            case JsonModel.Null:
                text.Append("null");
                break;
            case JsonModel.Object o:
                text.Append('{');
                for (var i = 0; i < o.Members.Count; i++)
                {
                    text.Append(i == 0 ? space : "," + space).Append(Quote(o.Members[i].Key, escapeNonAscii)).Append(':').Append(space);
                    Write(text, o.Members[i].Value, escapeNonAscii, space);
                }

                text.Append(space).Append('}');
                break;
            case JsonModel.Array a:
                text.Append('[');
                for (var i = 0; i < a.Items.Count; i++)
                {
                    text.Append(i == 0 ? string.Empty : ",").Append(space);
                    Write(text, a.Items[i], escapeNonAscii, space);
                }

                text.Append(']');
                break;
        }
    }

    private static string Quote(string value, bool escapeNonAscii)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '/' when escapeNonAscii:
                    text.Append("\\/");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case > '~' when escapeNonAscii:
                    text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        return text.Append('"').ToString();
    }
}
