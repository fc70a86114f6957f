using System.Text.Json;

namespace CubeSimulator;

/// <summary>
/// The fixed assignments. 9 is the seed's B2B example: its record served verbatim, then more
/// companies whose assignment-specific fields (6 configured: Klassifisering, Landsforening,
/// Region, Hoved, Medlemsnummer, Kontaktperson) differ from record to record, each record
/// carrying only those with data. 12 is a B2C assignment (people, not companies).
/// </summary>
public static class SeedData
{
    public const int B2BAssignment = 9;
    public const int B2CAssignment = 12;
    public const int PagedAssignment = 20;
    public const int ForbiddenAssignment = 77;

    /// <summary>The seed's example record, byte for byte (seed-record.json, embedded).</summary>
    public static string SeedRecord { get; } = ReadSeedRecord();

    public static IReadOnlyList<string> B2BRecords { get; } = new[]
    {
        SeedRecord,
        Company(2488540, "Nordlys Sjømat AS", "BODØ", "Bodø", "Nordland", "8006", "+4775501234", "2019-03-14", "anne@headshed.no", "Import update", "912345678", "Fiske og fangst i hav", "24",
            """ "Klassifisering": "A", "Region": "Nord-Norge", "Medlemsnummer": "00417", "Kontaktperson": "Kåre Ødegård" """),
        Company(2488541, "Ålesund Møbelfabrikk AS", "ÅLESUND", "Ålesund", "Møre og Romsdal", "6002", "70123456", "2020-11-02", "magnus@headshed.no", "Manual update", "923456789", "Produksjon av møbler", "57",
            """ "Klassifisering": "B" """),
        Company(2488542, "Bjørnstad & Sønn Regnskap", "OSLO", "Oslo", "Oslo", "0150", "+4722334455", "2021-06-30", "anne@headshed.no", "Manual update", "934567890", "Regnskap og bokføring", "6",
            """ "Landsforening": "Regnskap Norge", "Hoved": "Nei", "Medlemsnummer": "01999" """),
        Company(2488543, "Tromsø Turistsenter AS", "TROMSØ", "Tromsø", "Troms", "9008", "77600000", "2022-01-17", "per@headshed.no", "Import update", "945678901", "Reisebyråvirksomhet", "12",
            """ "Klassifisering": "C", "Region": "Nord-Norge", "Hoved": "Ja", "Kontaktperson": "Åse Sæther" """,
            moreInfo: """{"kilde": "Messe 2016", "notater": ["ring tilbake", "sendt e-post"]}"""),
        Company(2488544, "Grønn Energi Innlandet AS", "ELVERUM", "Elverum", "Innlandet", "2408", "62410000", "2023-05-08", "magnus@headshed.no", "Import new", "956789012", "Produksjon av elektrisitet fra vindkraft", "3", null),
        Company(2488545, "Trondheim Bryggeri AS", "TRONDHEIM", "Trondheim", "Trøndelag", "7010", "73500000", "2023-09-21", "anne@headshed.no", "Manual update", "967890123", "Produksjon av øl", "41",
            """ "Landsforening": "Næringsforeningen i Trondheimsregionen", "Region": "Midt-Norge" """),
        Company(2488546, "Lillestrøm Sykkel og Ski", "LILLESTRØM", "Lillestrøm", "Akershus", "2000", "63800000", "2024-02-29", "per@headshed.no", "Manual update", "978901234", "Butikkhandel med sportsutstyr", "9",
            """ "Klassifisering": "A", "Landsforening": "Virke", "Region": "Østlandet", "Hoved": "Ja", "Medlemsnummer": "00001", "Kontaktperson": "Øystein Ås" """),
        Company(2488547, "Kristiansand Havnedrift KF", "KRISTIANSAND", "Kristiansand", "Agder", "4608", "38000000", "2024-03-01", "anne@headshed.no", "Import update", "989012345", "Drift av havneanlegg", "110",
            """ "Hoved": "Nei" """),
        Company(2488548, "Stavanger Kaffebrenneri", "STAVANGER", "Stavanger", "Rogaland", "4006", "51000000", "2024-03-02", "magnus@headshed.no", "Manual update", "990123456", "Produksjon av kaffe og te", "15",
            """ "Kontaktperson": "Ingrid Haugen", "Region": "Vestlandet" """),
    };

    public static IReadOnlyList<string> B2CRecords { get; } = new[]
    {
        Person(3100001, "Ødegård, Kåre", "M", "1958-11-02", "Storgata 1", "BODØ", "Nordland", "8006", "+4790000001", "kare@example.no", "2022-04-01", """ "Samtykke": "Ja", "Interesse": "Fiske" """),
        Person(3100002, "Sæther, Åse", "K", "1984-05-17", "Kirkegata 12", "ÅLESUND", "Møre og Romsdal", "6002", "90000002", null, "2023-01-15", """ "Samtykke": "Nei" """),
        Person(3100003, "Nordmann, Ola", "M", "1990-01-01", null, "OSLO", "Oslo", "0150", "90000003", "ola@example.no", "2024-06-30", """ "Interesse": "Sykling", "Kundetype": "Gull" """),
        Person(3100004, "Bjørnstad, Liv", "K", null, "Sjøgata 3", "TROMSØ", "Troms", "9008", "004790000004", null, "2021-12-24", null),
    };

    private static string Company(
        long id, string name, string city, string municipality, string county, string zip, string phone,
        string updated, string updatedBy, string method, string orgNumber, string nace, string employees,
        string? extraFields, string moreInfo = "{}")
    {
        var text = $$"""
            {"customer_id": {{id}}, "name": {{Json(name)}}, "gender": null, "birth_date": null, "assignment_id": 9,
             "care_of_name": null, "address_street": "Storgata", "address_street_no": "{{id % 90 + 1}}", "address_entrance": null,
             "zip_code": "{{zip}}", "city": {{Json(city)}}, "municipality": {{Json(municipality)}}, "county": {{Json(county)}}, "country": "Norge",
             "phone_1": "{{phone}}", "phone_2": null, "phone_3": null, "email": null, "more_info_fields": {{moreInfo}},
             "updated": "{{updated}}", "updated_by": "{{updatedBy}}", "update_method": "{{method}}",
             "org_number": "{{orgNumber}}", "org_number_main": null, "org_name": {{Json(name)}}, "nace_code": null, "nace_text": {{Json(nace)}},
             "number_of_employees": "{{employees}}", "company_type": "AS", "established": null, "credit_rating": null, "need_to_know": null,
             "url": null, "company_email": "post@{{id}}.example.no", "revenue": null, "po_box": null, "postal_address": null, "postal_zip": null, "postal_city": null
             {{(extraFields is null ? string.Empty : "," + extraFields)}}}
            """;
        return Normalize(text);
    }

    private static string Person(
        long id, string name, string gender, string? birthDate, string? street, string city, string county, string zip,
        string phone, string? email, string updated, string? extraFields)
    {
        var text = $$"""
            {"customer_id": {{id}}, "name": {{Json(name)}}, "gender": "{{gender}}", "birth_date": {{Json(birthDate)}}, "assignment_id": 12,
             "care_of_name": null, "address_street": {{Json(street)}}, "address_street_no": null, "address_entrance": null,
             "zip_code": "{{zip}}", "city": {{Json(city)}}, "municipality": null, "county": {{Json(county)}}, "country": "Norge",
             "phone_1": "{{phone}}", "phone_2": null, "phone_3": null, "email": {{Json(email)}}, "more_info_fields": {},
             "updated": "{{updated}}", "updated_by": "kundesenter@headshed.no", "update_method": "Manual update",
             "org_number": null, "org_number_main": null, "org_name": null, "nace_code": null, "nace_text": null,
             "number_of_employees": null, "company_type": null, "established": null, "credit_rating": null, "need_to_know": null,
             "url": null, "company_email": null, "revenue": null, "po_box": null, "postal_address": null, "postal_zip": null, "postal_city": null
             {{(extraFields is null ? string.Empty : "," + extraFields)}}}
            """;
        return Normalize(text);
    }

    private static string ReadSeedRecord()
    {
        using var stream = typeof(SeedData).Assembly.GetManifestResourceStream("CubeSimulator.seed-record.json")
            ?? throw new InvalidOperationException("seed-record.json is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().TrimEnd();
    }

    private static string Json(string? value) => value is null ? "null" : JsonSerializer.Serialize(value, SimulatorJson.Options);

    /// <summary>Checks the text is one JSON object (a typo here would otherwise reach the tests as a "server bug").</summary>
    private static string Normalize(string text)
    {
        using var document = JsonDocument.Parse(text);
        return text;
    }
}
