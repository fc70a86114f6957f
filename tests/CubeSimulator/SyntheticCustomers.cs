using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CubeSimulator;

/// <summary>
/// Generated customers for paging tests and benchmarks: record i of a seed is always the same,
/// and is written straight to the JSON writer, so an assignment of any size costs no memory.
/// About 45 standard fields (null when "no data is registered", about a third of the values),
/// then up to 6 assignment-specific fields, each on some records only; about 1.1 KB per record.
/// Names and values are encoded once, up front, so that the simulator is not what a benchmark
/// measures.
/// </summary>
public static class SyntheticCustomers
{
    private static readonly string[] FirstNames = { "Åse", "Kåre", "Bjørn", "Ingrid", "Ola", "Kari", "Øystein", "Solveig", "Per", "Marit", "Håkon", "Liv", "Jørgen", "Sigrid", "Tor", "Ragnhild" };
    private static readonly string[] LastNames = { "Ødegård", "Hansen", "Johansen", "Olsen", "Larsen", "Bjørnstad", "Sæther", "Haugen", "Lie", "Dahl", "Berg", "Strøm", "Kristiansen", "Aasen", "Næss", "Holm" };
    private static readonly (string City, string Municipality, string County, string Zip)[] PlaceData =
    {
        ("OSLO", "Oslo", "Oslo", "0150"), ("BERGEN", "Bergen", "Vestland", "5003"), ("TRONDHEIM", "Trondheim", "Trøndelag", "7010"),
        ("TROMSØ", "Tromsø", "Troms", "9008"), ("BODØ", "Bodø", "Nordland", "8006"), ("ÅLESUND", "Ålesund", "Møre og Romsdal", "6002"),
        ("ELVERUM", "Elverum", "Innlandet", "2408"), ("LILLESTRØM", "Lillestrøm", "Akershus", "2000"), ("KRISTIANSAND", "Kristiansand", "Agder", "4608"),
        ("STAVANGER", "Stavanger", "Rogaland", "4006"),
    };

    private static readonly JsonEncodedText[] Streets = Encode("Storgata", "Kirkegata", "Sjøgata", "Skoleveien", "Fjellveien", "Bjørkeveien", "Åsveien", "Prinsens gate", "Kongens gate", "Løkkeveien");
    private static readonly JsonEncodedText[] StreetWords = Encode("Storgata", "Kirkegata", "Sjøgata", "Skoleveien", "Fjellveien", "Bjørkeveien", "Åsveien", "Prinsens", "Kongens", "Løkkeveien");
    private static readonly JsonEncodedText[] NaceTexts = Encode("Utgivelse av blader og tidsskrifter", "Fiske og fangst i hav", "Regnskap og bokføring", "Butikkhandel med sportsutstyr", "Produksjon av møbler", "Reisebyråvirksomhet", "Bedriftsrådgivning", "Engroshandel med fisk");
    private static readonly JsonEncodedText[] UpdateMethods = Encode("Import new", "Import update", "Manual update");
    private static readonly JsonEncodedText[] Agents = Encode("magnus@headshed.no", "anne@headshed.no", "per@headshed.no", "kundesenter@headshed.no");
    private static readonly JsonEncodedText[] Regions = Encode("Innlandet", "Nord-Norge", "Vestlandet", "Østlandet", "Midt-Norge", "Sørlandet");
    private static readonly JsonEncodedText[] Associations = Encode("XYZ", "Virke", "NHO", "Regnskap Norge");
    private static readonly JsonEncodedText[] Letters = Encode("A", "B", "C", "D");
    private static readonly JsonEncodedText[] Ratings = Encode("A+", "B+", "C+", "D+");
    private static readonly JsonEncodedText[] YesNo = Encode("Ja", "Nei");
    private static readonly JsonEncodedText[] Genders = Encode("M", "K");
    private static readonly JsonEncodedText[] CompanyTypes = Encode("ENK", "AS", "AS");
    private static readonly JsonEncodedText[] Firsts = Encode(FirstNames);
    private static readonly JsonEncodedText[] Lasts = Encode(LastNames);
    private static readonly JsonEncodedText[] Cities = PlaceData.Select(p => JsonEncodedText.Encode(p.City, SimulatorJson.Options.Encoder)).ToArray();
    private static readonly JsonEncodedText[] Municipalities = PlaceData.Select(p => JsonEncodedText.Encode(p.Municipality, SimulatorJson.Options.Encoder)).ToArray();
    private static readonly JsonEncodedText[] Counties = PlaceData.Select(p => JsonEncodedText.Encode(p.County, SimulatorJson.Options.Encoder)).ToArray();
    private static readonly JsonEncodedText[] Zips = PlaceData.Select(p => JsonEncodedText.Encode(p.Zip)).ToArray();

    // Every combination of first and last name, and the texts made of them.
    private static readonly JsonEncodedText[] FullNames = Combine((f, l) => l + ", " + f);
    private static readonly JsonEncodedText[] CareOf = Combine((f, l) => "c/o " + f + " " + l);
    private static readonly JsonEncodedText[] Emails = Combine((f, l) => f.ToLowerInvariant() + "." + l.ToLowerInvariant() + "@example.no");
    private static readonly JsonEncodedText[] Contacts = Combine((f, l) => f + " " + l);
    private static readonly JsonEncodedText[] NeedToKnow = Enumerable.Range(8, 8).SelectMany(hour => FirstNames.Select(f => "Ring etter kl. " + hour + " – spør etter " + f)).Select(Encode).ToArray();

    // yyyy-MM-dd for every day from 1900 to 2030.
    private static readonly DateTime FirstDay = new(1900, 1, 1);
    private static readonly JsonEncodedText[] Days = Enumerable.Range(0, (new DateTime(2030, 12, 31) - FirstDay).Days).Select(d => JsonEncodedText.Encode(FirstDay.AddDays(d).ToString("yyyy-MM-dd"))).ToArray();
    private static readonly int Day2016 = (new DateTime(2016, 1, 1) - FirstDay).Days;

    private static readonly JsonEncodedText[] ExtraFields = Encode("Klassifisering", "Landsforening", "Region", "Hoved", "Medlemsnummer", "Kontaktperson");
    private static readonly JsonEncodedText[] Names = Encode(
        "customer_id", "name", "gender", "birth_date", "assignment_id", "care_of_name", "address_street", "address_street_no",
        "address_entrance", "zip_code", "city", "municipality", "county", "country", "phone_1", "phone_2", "phone_3", "email",
        "more_info_fields", "updated", "updated_by", "update_method", "org_number", "org_number_main", "org_name", "nace_code",
        "nace_text", "number_of_employees", "company_type", "established", "credit_rating", "need_to_know", "url", "company_email",
        "revenue", "po_box", "postal_address", "postal_zip", "postal_city", "first_name", "last_name", "address_floor",
        "address_apartment", "reservation_phone", "reservation_email");

    private static readonly JsonEncodedText Norge = JsonEncodedText.Encode("Norge");

    public static void Write(Utf8JsonWriter writer, int seed, int assignmentId, long index, bool uniqueKey = false)
    {
        var random = new SplitMix((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index);
        Span<byte> text = stackalloc byte[96];
        var first = random.Next(FirstNames.Length);
        var last = random.Next(LastNames.Length);
        var person = (first * LastNames.Length) + last;
        var place = random.Next(PlaceData.Length);
        var day = Day2016 + random.Next(3200);
        var n = 0;

        writer.WriteStartObject();
        writer.WriteNumber(Names[n++], 5_000_000 + index);
        writer.WriteString(Names[n++], FullNames[person]);
        Maybe(writer, Names[n++], Genders[random.Next(2)], ref random, 0.5);
        Maybe(writer, Names[n++], Days[day - ((30 + random.Next(40)) * 365)], ref random, 0.5);
        writer.WriteNumber(Names[n++], assignmentId);
        Maybe(writer, Names[n++], CareOf[random.Next(CareOf.Length)], ref random, 0.1);
        Maybe(writer, Names[n++], Streets[random.Next(Streets.Length)], ref random, 0.85);
        MaybeNumberText(writer, Names[n++], 1 + random.Next(120), text, ref random, 0.8);
        Maybe(writer, Names[n++], Letters[random.Next(4)], ref random, 0.2);
        writer.WriteString(Names[n++], Zips[place]);
        writer.WriteString(Names[n++], Cities[place]);
        Maybe(writer, Names[n++], Municipalities[place], ref random, 0.7);
        writer.WriteString(Names[n++], Counties[place]);
        Maybe(writer, Names[n++], Norge, ref random, 0.6);
        writer.WriteString(Names[n++], Digits(text, random.Next(2) == 0 ? "+47"u8 : default, 40000000 + random.Next(59999999), default));
        MaybeNumberText(writer, Names[n++], 90000000 + random.Next(9999999), text, ref random, 0.3);
        MaybeNumberText(writer, Names[n++], 20000000 + random.Next(9999999), text, ref random, 0.1);
        Maybe(writer, Names[n++], Emails[person], ref random, 0.6);
        writer.WritePropertyName(Names[n++]);
        writer.WriteStartObject();
        writer.WriteEndObject();
        writer.WriteString(Names[n++], Days[day]);
        writer.WriteString(Names[n++], Agents[random.Next(Agents.Length)]);
        writer.WriteString(Names[n++], UpdateMethods[random.Next(UpdateMethods.Length)]);
        var orgNumber = 900000000 + random.Next(99999999);
        MaybeNumberText(writer, Names[n++], orgNumber, text, ref random, 0.8);
        MaybeNumberText(writer, Names[n++], 900000000 + random.Next(99999999), text, ref random, 0.4);
        if (random.NextDouble() < 0.8)
        {
            // "<last name> <street word> AS"
            var company = new StringBuilder(LastNames[last]).Append(' ').Append(StreetWords[random.Next(StreetWords.Length)].ToString()).Append(" AS");
            writer.WriteString(Names[n], company.ToString());
        }
        else
        {
            writer.WriteNull(Names[n]);
        }

        n++;
        if (random.NextDouble() < 0.5)
        {
            // "NN.NNN"
            var length = Format(text, 10 + random.Next(80));
            text[length++] = (byte)'.';
            length += ZeroPadded(text.Slice(length), random.Next(1000), 3);
            writer.WriteString(Names[n], text.Slice(0, length));
        }
        else
        {
            writer.WriteNull(Names[n]);
        }

        n++;
        Maybe(writer, Names[n++], NaceTexts[random.Next(NaceTexts.Length)], ref random, 0.7);
        MaybeNumberText(writer, Names[n++], random.Next(500), text, ref random, 0.7);
        Maybe(writer, Names[n++], CompanyTypes[random.Next(3)], ref random, 0.6);
        Maybe(writer, Names[n++], Days[day - (random.Next(60) * 365)], ref random, 0.4);
        Maybe(writer, Names[n++], Ratings[random.Next(4)], ref random, 0.3);
        Maybe(writer, Names[n++], NeedToKnow[random.Next(NeedToKnow.Length)], ref random, 0.3);
        if (random.NextDouble() < 0.5)
        {
            writer.WriteString(Names[n], Digits(text, "https://www.firma"u8, orgNumber, ".no"u8));
        }
        else
        {
            writer.WriteNull(Names[n]);
        }

        n++;
        if (random.NextDouble() < 0.6)
        {
            writer.WriteString(Names[n], Digits(text, "post@"u8, orgNumber, ".example.no"u8));
        }
        else
        {
            writer.WriteNull(Names[n]);
        }

        n++;
        MaybeNumberText(writer, Names[n++], random.Next(100_000) * 1000L, text, ref random, 0.4);
        MaybePrefixed(writer, Names[n++], "Postboks "u8, random.Next(9000), text, ref random, 0.3);
        MaybePrefixed(writer, Names[n++], "Postboks "u8, random.Next(9000), text, ref random, 0.3);
        Maybe(writer, Names[n++], Zips[place], ref random, 0.3);
        Maybe(writer, Names[n++], Cities[place], ref random, 0.3);
        writer.WriteString(Names[n++], Firsts[first]);
        writer.WriteString(Names[n++], Lasts[last]);
        MaybeNumberText(writer, Names[n++], random.Next(8), text, ref random, 0.3);
        MaybePrefixed(writer, Names[n++], "H0"u8, 101 + random.Next(400), text, ref random, 0.3);
        Maybe(writer, Names[n++], YesNo[random.Next(2)], ref random, 0.7);
        Maybe(writer, Names[n++], YesNo[random.Next(2)], ref random, 0.7);

        // Assignment-specific fields: only those with data are present, so key sets differ.
        for (var i = 0; i < ExtraFields.Length; i++)
        {
            if (random.NextDouble() >= 0.35)
            {
                continue;
            }

            switch (i)
            {
                case 0: writer.WriteString(ExtraFields[i], Letters[random.Next(3)]); break;
                case 1: writer.WriteString(ExtraFields[i], Associations[random.Next(Associations.Length)]); break;
                case 2: writer.WriteString(ExtraFields[i], Regions[random.Next(Regions.Length)]); break;
                case 3: writer.WriteString(ExtraFields[i], YesNo[random.Next(2)]); break;
                case 4:
                {
                    // Five digits with leading zeros, as member numbers are kept.
                    writer.WriteString(ExtraFields[i], text.Slice(0, ZeroPadded(text, random.Next(100000), 5)));
                    break;
                }

                default: writer.WriteString(ExtraFields[i], Contacts[random.Next(Contacts.Length)]); break;
            }
        }

        if (uniqueKey)
        {
            writer.WriteString("Felt_" + index.ToString(CultureInfo.InvariantCulture), "x");
        }

        writer.WriteEndObject();
    }

    private static void Maybe(Utf8JsonWriter writer, JsonEncodedText name, JsonEncodedText value, ref SplitMix random, double presence)
    {
        if (random.NextDouble() < presence)
        {
            writer.WriteString(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void MaybeNumberText(Utf8JsonWriter writer, JsonEncodedText name, long value, Span<byte> text, ref SplitMix random, double presence)
    {
        if (random.NextDouble() < presence)
        {
            writer.WriteString(name, text.Slice(0, Format(text, value)));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void MaybePrefixed(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> prefix, long value, Span<byte> text, ref SplitMix random, double presence)
    {
        if (random.NextDouble() < presence)
        {
            writer.WriteString(name, Digits(text, prefix, value, default));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>prefix + value + suffix, as UTF-8 in <paramref name="text"/>.</summary>
    private static ReadOnlySpan<byte> Digits(Span<byte> text, ReadOnlySpan<byte> prefix, long value, ReadOnlySpan<byte> suffix)
    {
        prefix.CopyTo(text);
        var length = prefix.Length + Format(text.Slice(prefix.Length), value);
        suffix.CopyTo(text.Slice(length));
        return text.Slice(0, length + suffix.Length);
    }

    private static int ZeroPadded(Span<byte> text, int value, int digits)
    {
        for (var d = digits - 1; d >= 0; d--)
        {
            text[d] = (byte)('0' + (value % 10));
            value /= 10;
        }

        return digits;
    }

    private static int Format(Span<byte> text, long value)
    {
        Utf8Formatter.TryFormat(value, text, out var written);
        return written;
    }

    private static JsonEncodedText[] Encode(params string[] values) => values.Select(Encode).ToArray();

    private static JsonEncodedText Encode(string value) => JsonEncodedText.Encode(value, SimulatorJson.Options.Encoder);

    private static JsonEncodedText[] Combine(Func<string, string, string> make) =>
        FirstNames.SelectMany(first => LastNames.Select(last => Encode(make(first, last)))).ToArray();

    /// <summary>A small, fast, deterministic generator: the same record for the same seed and index.</summary>
    private struct SplitMix
    {
        private ulong _state;

        public SplitMix(ulong seed) => _state = seed;

        public int Next(int bound) => (int)(NextUInt64() % (ulong)bound);

        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        private ulong NextUInt64()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
