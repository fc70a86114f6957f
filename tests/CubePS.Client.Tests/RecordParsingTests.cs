using System.Net;
using System.Text;

namespace CubePS.Client.Tests;

public class RecordParsingTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    [Fact]
    public async Task Values_keep_their_JSON_types()
    {
        var cube = FakeCube.Serving((Route, """
            [{"customer_id": 2488539, "phone_1": "+4799999999", "zip_code": "0150", "org_number": "012345678",
              "updated": "2016-04-07", "rate": 1.10, "huge": 123456789012345678901234, "tiny": 1e-300,
              "beyond": 1e400, "active": true, "deleted": false, "email": null, "negative": -42,
              "forty": 1234567890123456789012345678901234567890, "fraction31": 0.1234567890123456789012345678901,
              "small": 0.00000000000000000000000000001234}]
            """));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(2488539L, Assert.IsType<long>(result.Value(0, "customer_id")));
        Assert.Equal("+4799999999", result.Value(0, "phone_1"));
        Assert.Equal("0150", result.Value(0, "zip_code"));
        Assert.Equal("012345678", result.Value(0, "org_number"));
        Assert.Equal("2016-04-07", Assert.IsType<string>(result.Value(0, "updated")));
        var rate = Assert.IsType<decimal>(result.Value(0, "rate"));
        Assert.Equal("1.10", rate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Integers of any size are exact (BigInteger past Int64, as ConvertFrom-Json gives them).
        Assert.Equal(System.Numerics.BigInteger.Parse("123456789012345678901234"), Assert.IsType<System.Numerics.BigInteger>(result.Value(0, "huge")));
        Assert.Equal(System.Numerics.BigInteger.Parse("1234567890123456789012345678901234567890"), Assert.IsType<System.Numerics.BigInteger>(result.Value(0, "forty")));

        // A fraction Decimal cannot hold exactly is a Double, as ConvertFrom-Json gives it: never
        // rounded further (Decimal would have turned the last one into 0).
        Assert.Equal(0.1234567890123456789012345678901, Assert.IsType<double>(result.Value(0, "fraction31")));
        Assert.Equal(0.00000000000000000000000000001234, Assert.IsType<double>(result.Value(0, "small")));
        Assert.Equal(1e-300, Assert.IsType<double>(result.Value(0, "tiny")));
        Assert.Equal("1e400", result.Value(0, "beyond"));
        Assert.Equal(true, result.Value(0, "active"));
        Assert.Equal(false, result.Value(0, "deleted"));
        Assert.Null(result.Value(0, "email"));
        Assert.Equal(-42L, result.Value(0, "negative"));
    }

    [Fact]
    public async Task Nested_values_become_compact_JSON_text_with_letters_kept()
    {
        var cube = FakeCube.Serving((Route, """
            [{"customer_id": 1, "more_info_fields": {}, "tags": [], "notes": { "kilde" : "Messe",  "liste": [1, 2.5, "Bodø", null, true] }}]
            """));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal("{}", result.Value(0, "more_info_fields"));
        Assert.Equal("[]", result.Value(0, "tags"));
        Assert.Equal("""{"kilde":"Messe","liste":[1,2.5,"Bodø",null,true]}""", result.Value(0, "notes"));
    }

    [Fact]
    public async Task Escaped_strings_and_keys_are_unescaped()
    {
        var cube = FakeCube.Serving((Route, """
            [{"customer_id": 1, "city": "Bod\u00f8", "quote": "a \"b\"\nc", "Kj\u00f8nn": "K"}]
            """));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal("Bodø", result.Value(0, "city"));
        Assert.Equal("a \"b\"\nc", result.Value(0, "quote"));
        Assert.Contains("Kjønn", result.Names);
        Assert.Equal("K", result.Value(0, "Kjønn"));
    }

    [Fact]
    public async Task Every_record_gets_every_key_in_order_of_first_appearance()
    {
        var cube = FakeCube.Serving((Route, """
            [{"customer_id": 1, "name": "A", "Region": "Nord"},
             {"customer_id": 2, "name": "B", "Hoved": "Ja"},
             {"name": "C", "customer_id": 3, "Medlemsnummer": "00417", "Region": "Sør"}]
            """));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(new[] { "customer_id", "name", "Region", "Hoved", "Medlemsnummer" }, result.Names);
        Assert.Equal(new object?[] { 1L, "A", "Nord", null, null }, result.Rows[0]);
        Assert.Equal(new object?[] { 2L, "B", null, "Ja", null }, result.Rows[1]);
        Assert.Equal(new object?[] { 3L, "C", "Sør", null, "00417" }, result.Rows[2]);
    }

    [Fact]
    public async Task Thousands_of_keys_equal_but_for_case_each_get_their_own_property()
    {
        // Every spelling of "regionabcdef" by case: 4,096 keys, one record.
        var keys = Enumerable.Range(0, 1 << 12).Select(bits => new string("regionabcdef".Select((c, i) => (bits & (1 << i)) != 0 ? char.ToUpperInvariant(c) : c).ToArray())).ToArray();
        var record = "{" + string.Join(", ", keys.Select((key, i) => $"\"{key}\": {i}")) + ", \"regionabcdef_3\": \"taken\"}";
        var cube = FakeCube.Serving((Route, "[" + record + "]"));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(keys.Length + 1, result.Names.Length);
        Assert.Equal(result.Names.Length, result.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal("regionabcdef", result.Names[0]);
        Assert.Equal("REGIONABCDEF_4096", result.Names[keys.Length - 1]);
        // The real key regionabcdef_3 keeps its name; the renamed key that held it moves on.
        Assert.Equal("regionabcdef_3", result.Names[^1]);
        Assert.Equal("rEgionabcdef_4097", result.Names[2]);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal((long)i, result.Rows[0][i]);
        }
    }

    [Fact]
    public async Task A_real_key_keeps_its_name_when_a_renamed_key_took_it_first()
    {
        var cube = FakeCube.Serving((Route, """[{"customer_id": 1, "region": "a", "Region": "b", "region_2": "c"}]"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(new[] { "customer_id", "region", "Region_3", "region_2" }, result.Names);
        Assert.Equal(new object?[] { 1L, "a", "b", "c" }, result.Rows[0]);
        Assert.Equal(new[] { new KeyValuePair<string, string>("Region", "Region_3") }, result.Collection.RenamedKeys);
    }

    [Fact]
    public async Task Keys_that_PowerShell_cannot_use_as_they_are_get_a_suffix_and_keep_their_values()
    {
        var cube = FakeCube.Serving((Route, """
            [{"Region": "Nord", "region": "nord", "PSObject": 1, "": "empty"}]
            """));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(new[] { "Region", "region_2", "PSObject_2", "_2" }, result.Names);
        Assert.Equal(new object?[] { "Nord", "nord", 1L, "empty" }, result.Rows[0]);
        Assert.Equal(3, result.Collection.RenamedKeys.Count);
    }

    [Fact]
    public async Task The_envelope_is_read_whatever_the_order_of_its_keys()
    {
        var cube = FakeCube.Serving(
            (Route, """{"results": [{"customer_id": 1}], "previous": null, "extra": {"a": [1, {"b": 2}]}, "next": "https://acme.headshed.com/crm/assignment_id/9/customers?page=2", "count": 2}"""),
            (Route + "?page=2", """{"count": 2, "next": null, "previous": "?page=1", "results": [{"customer_id": 2}]}"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(new object?[] { 1L, 2L }, result.Rows.Select(r => r[0]));
        Assert.Equal(2L, result.Collection.ServerTotalCount);
    }

    [Fact]
    public async Task A_byte_order_mark_is_skipped()
    {
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("[{\"customer_id\": 7}]")).ToArray())));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(7L, result.Value(0, "customer_id"));
    }

    [Fact]
    public async Task Records_larger_than_the_read_buffer_are_read_whole()
    {
        var long1 = new string('æ', 150_000);
        var long2 = new string('x', 300_000);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "note": "{{long1}}"}, {"customer_id": 2, "note": "{{long2}}"}]"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(long1, result.Value(0, "note"));
        Assert.Equal(long2, result.Value(1, "note"));
    }

    [Fact]
    public async Task A_page_arriving_a_few_bytes_at_a_time_is_read_the_same()
    {
        var json = """[{"customer_id": 1, "name": "Bodø", "nested": {"a": [1, 2]}}, {"customer_id": 2, "name": "Ålesund"}]""";
        var cube = new FakeCube((_, _) => FakeCube.Body(new TrickleStream(Encoding.UTF8.GetBytes(json), 3)));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(new object?[] { 1L, "Bodø", """{"a":[1,2]}""" }, result.Rows[0]);
        Assert.Equal(new object?[] { 2L, "Ålesund", null }, result.Rows[1]);
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body>Logg inn</body></html>", "text/html", "web page")]
    [InlineData("[{\"customer_id\": 1}, {\"customer_id\": 2", "application/json", "cut short")]
    [InlineData("", "application/json", "empty")]
    [InlineData("\"just a string\"", "application/json", "not a list")]
    [InlineData("[1, 2]", "application/json", "not a record")]
    [InlineData("{\"count\": 1, \"next\": null, \"results\": {\"customer_id\": 1}}", "application/json", "'results' is an object")]
    [InlineData("{\"count\": 1, \"next\": 5, \"results\": []}", "application/json", "'next' is a number")]
    [InlineData("{\"detail\": \"weird\"}", "application/json", "without a 'results'")]
    [InlineData("[{\"customer_id\": 1}] trailing", "application/json", "not valid JSON")]
    [InlineData("[{\"customer_id\": 1,}]", "application/json", "not valid JSON")]
    public async Task Replies_that_are_not_customer_records_are_CubeInvalidResponse(string body, string contentType, string expected)
    {
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(Encoding.UTF8.GetBytes(body)), contentType));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Equal(CubeErrorCategory.InvalidData, error.Category);
        Assert.Equal(9, error.TargetObject);
        Assert.Contains(expected, error.Message);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_value_is_CubeInvalidResponse_not_replacement_characters()
    {
        var bytes = Encoding.ASCII.GetBytes("[{\"customer_id\": 1, \"city\": \"Bod__\"}]");
        var at = Array.IndexOf(bytes, (byte)'_');
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(bytes)));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public async Task The_start_of_an_unreadable_reply_is_kept_with_secrets_masked()
    {
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(Encoding.UTF8.GetBytes($"<html>token {FakeCube.Token} was wrong</html>")), "text/html"));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.StartsWith("<html>token *** was wrong", error.ResponseText);
        Assert.DoesNotContain(FakeCube.Token, error.ResponseText);
        Assert.DoesNotContain(FakeCube.Token, error.Message);
    }

    /// <summary>Hands out a few bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream : MemoryStream
    {
        private readonly int _chunk;

        public TrickleStream(byte[] data, int chunk)
            : base(data) => _chunk = chunk;

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, _chunk), cancellationToken);
    }
}
