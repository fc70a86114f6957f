using System.Text.Json;

namespace CubeSimulator;

/// <summary>
/// Generated customers for paging tests and benchmarks: record i of a seed is always the same,
/// and is written straight to the JSON writer, so an assignment of any size costs no memory.
/// About 45 standard fields (null when "no data is registered", about a third of the values),
/// then up to 6 assignment-specific fields, each on some records only; about 1.2 KB per record.
/// </summary>
public static class SyntheticCustomers
{
    private static readonly string[] FirstNames = { "Åse", "Kåre", "Bjørn", "Ingrid", "Ola", "Kari", "Øystein", "Solveig", "Per", "Marit", "Håkon", "Liv", "Jørgen", "Sigrid", "Tor", "Ragnhild" };
    private static readonly string[] LastNames = { "Ødegård", "Hansen", "Johansen", "Olsen", "Larsen", "Bjørnstad", "Sæther", "Haugen", "Lie", "Dahl", "Berg", "Strøm", "Kristiansen", "Aasen", "Næss", "Holm" };
    private static readonly string[] Streets = { "Storgata", "Kirkegata", "Sjøgata", "Skoleveien", "Fjellveien", "Bjørkeveien", "Åsveien", "Prinsens gate", "Kongens gate", "Løkkeveien" };
    private static readonly (string City, string Municipality, string County, string Zip)[] Places =
    {
        ("OSLO", "Oslo", "Oslo", "0150"), ("BERGEN", "Bergen", "Vestland", "5003"), ("TRONDHEIM", "Trondheim", "Trøndelag", "7010"),
        ("TROMSØ", "Tromsø", "Troms", "9008"), ("BODØ", "Bodø", "Nordland", "8006"), ("ÅLESUND", "Ålesund", "Møre og Romsdal", "6002"),
        ("ELVERUM", "Elverum", "Innlandet", "2408"), ("LILLESTRØM", "Lillestrøm", "Akershus", "2000"), ("KRISTIANSAND", "Kristiansand", "Agder", "4608"),
        ("STAVANGER", "Stavanger", "Rogaland", "4006"),
    };

    private static readonly string[] NaceTexts = { "Utgivelse av blader og tidsskrifter", "Fiske og fangst i hav", "Regnskap og bokføring", "Butikkhandel med sportsutstyr", "Produksjon av møbler", "Reisebyråvirksomhet", "Bedriftsrådgivning", "Engroshandel med fisk" };
    private static readonly string[] UpdateMethods = { "Import new", "Import update", "Manual update" };
    private static readonly string[] Agents = { "magnus@headshed.no", "anne@headshed.no", "per@headshed.no", "kundesenter@headshed.no" };
    private static readonly string[] ExtraFields = { "Klassifisering", "Landsforening", "Region", "Hoved", "Medlemsnummer", "Kontaktperson" };
    private static readonly string[] Regions = { "Innlandet", "Nord-Norge", "Vestlandet", "Østlandet", "Midt-Norge", "Sørlandet" };

    public static void Write(Utf8JsonWriter writer, int seed, int assignmentId, long index)
    {
        var random = new SplitMix((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index);
        var first = Pick(FirstNames, ref random);
        var last = Pick(LastNames, ref random);
        var place = Places[random.Next(Places.Length)];
        var company = last + " " + Pick(Streets, ref random).Split(' ')[0] + " AS";
        var day = new DateTime(2016, 1, 1).AddDays(random.Next(3200));

        writer.WriteStartObject();
        writer.WriteNumber("customer_id", 5_000_000 + index);
        writer.WriteString("name", last + ", " + first);
        Maybe(writer, "gender", random.Next(2) == 0 ? "M" : "K", ref random, 0.5);
        Maybe(writer, "birth_date", day.AddYears(-30 - random.Next(40)).ToString("yyyy-MM-dd"), ref random, 0.5);
        writer.WriteNumber("assignment_id", assignmentId);
        Maybe(writer, "care_of_name", "c/o " + Pick(FirstNames, ref random) + " " + Pick(LastNames, ref random), ref random, 0.1);
        Maybe(writer, "address_street", Pick(Streets, ref random), ref random, 0.85);
        Maybe(writer, "address_street_no", (1 + random.Next(120)).ToString(), ref random, 0.8);
        Maybe(writer, "address_entrance", ((char)('A' + random.Next(4))).ToString(), ref random, 0.2);
        writer.WriteString("zip_code", place.Zip);
        writer.WriteString("city", place.City);
        Maybe(writer, "municipality", place.Municipality, ref random, 0.7);
        writer.WriteString("county", place.County);
        Maybe(writer, "country", "Norge", ref random, 0.6);
        writer.WriteString("phone_1", (random.Next(2) == 0 ? "+47" : string.Empty) + (40000000 + random.Next(59999999)).ToString());
        Maybe(writer, "phone_2", (90000000 + random.Next(9999999)).ToString(), ref random, 0.3);
        Maybe(writer, "phone_3", (20000000 + random.Next(9999999)).ToString(), ref random, 0.1);
        Maybe(writer, "email", first.ToLowerInvariant() + "." + last.ToLowerInvariant() + "@example.no", ref random, 0.6);
        writer.WritePropertyName("more_info_fields");
        writer.WriteStartObject();
        writer.WriteEndObject();
        writer.WriteString("updated", day.ToString("yyyy-MM-dd"));
        writer.WriteString("updated_by", Pick(Agents, ref random));
        writer.WriteString("update_method", Pick(UpdateMethods, ref random));
        var orgNumber = (900000000 + random.Next(99999999)).ToString();
        Maybe(writer, "org_number", orgNumber, ref random, 0.8);
        Maybe(writer, "org_number_main", (900000000 + random.Next(99999999)).ToString(), ref random, 0.4);
        Maybe(writer, "org_name", company, ref random, 0.8);
        Maybe(writer, "nace_code", (10 + random.Next(80)).ToString() + "." + random.Next(1000).ToString("000"), ref random, 0.5);
        Maybe(writer, "nace_text", Pick(NaceTexts, ref random), ref random, 0.7);
        Maybe(writer, "number_of_employees", random.Next(500).ToString(), ref random, 0.7);
        Maybe(writer, "company_type", random.Next(3) == 0 ? "ENK" : "AS", ref random, 0.6);
        Maybe(writer, "established", day.AddYears(-random.Next(60)).ToString("yyyy-MM-dd"), ref random, 0.4);
        Maybe(writer, "credit_rating", ((char)('A' + random.Next(4))).ToString() + "+", ref random, 0.3);
        Maybe(writer, "need_to_know", "Ring etter kl. " + (8 + random.Next(8)).ToString() + " – spør etter " + Pick(FirstNames, ref random), ref random, 0.3);
        Maybe(writer, "url", "https://www." + last.ToLowerInvariant().Replace("ø", "o").Replace("æ", "ae").Replace("å", "a") + orgNumber + ".no", ref random, 0.5);
        Maybe(writer, "company_email", "post@" + orgNumber + ".example.no", ref random, 0.6);
        Maybe(writer, "revenue", (random.Next(100_000) * 1000L).ToString(), ref random, 0.4);
        Maybe(writer, "po_box", "Postboks " + random.Next(9000).ToString(), ref random, 0.3);
        Maybe(writer, "postal_address", "Postboks " + random.Next(9000).ToString(), ref random, 0.3);
        Maybe(writer, "postal_zip", place.Zip, ref random, 0.3);
        Maybe(writer, "postal_city", place.City, ref random, 0.3);
        writer.WriteString("first_name", first);
        writer.WriteString("last_name", last);
        Maybe(writer, "address_floor", random.Next(8).ToString(), ref random, 0.3);
        Maybe(writer, "address_apartment", "H0" + (101 + random.Next(400)).ToString(), ref random, 0.3);
        Maybe(writer, "reservation_phone", random.Next(2) == 0 ? "Ja" : "Nei", ref random, 0.7);
        Maybe(writer, "reservation_email", random.Next(2) == 0 ? "Ja" : "Nei", ref random, 0.7);

        // Assignment-specific fields: only those with data are present, so key sets differ.
        for (var i = 0; i < ExtraFields.Length; i++)
        {
            if (random.NextDouble() < 0.35)
            {
                writer.WriteString(ExtraFields[i], i switch
                {
                    0 => ((char)('A' + random.Next(3))).ToString(),
                    1 => Pick(new[] { "XYZ", "Virke", "NHO", "Regnskap Norge" }, ref random),
                    2 => Pick(Regions, ref random),
                    3 => random.Next(2) == 0 ? "Ja" : "Nei",
                    4 => random.Next(100000).ToString("00000"),
                    _ => Pick(FirstNames, ref random) + " " + Pick(LastNames, ref random),
                });
            }
        }

        writer.WriteEndObject();
    }

    private static void Maybe(Utf8JsonWriter writer, string name, string value, ref SplitMix random, double presence)
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

    private static string Pick(string[] items, ref SplitMix random) => items[random.Next(items.Length)];

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
