using CubePS.Selection;

namespace CubePS.Client.Tests;

public class FilterTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    private static readonly string Records = """
        [{"customer_id": 1, "updated": "2024-01-31", "Region": "Nord"},
         {"customer_id": 2, "updated": "2024-02-01"},
         {"customer_id": "3", "updated": "2024-02-01 08:30:00"},
         {"customer_id": 4, "updated": "2024-02-02T09:15:00", "Hoved": "Ja"},
         {"customer_id": 5, "updated": null},
         {"customer_id": 6, "updated": "last tuesday"},
         {"customer_id": 7}]
        """;

    [Fact]
    public async Task CustomerId_keeps_only_those_customers_but_every_key_stays_a_column()
    {
        var cube = FakeCube.Serving((Route, Records));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, new long[] { 2, 3, 4 }, 9);

        Assert.Equal(new object[] { 2L, "3", 4L }, result.Rows.Select(r => r[0]));
        Assert.Equal(new[] { "customer_id", "updated", "Region", "Hoved" }, result.Names);
        Assert.Equal(7, result.Collection.RecordsReceived);
    }

    [Fact]
    public async Task CustomerId_finds_each_id_in_the_form_Cube_gave_it_and_no_other()
    {
        var cube = FakeCube.Serving((Route, """[{"customer_id": "042", "n": "a"}, {"customer_id": 42, "n": "b"}, {"customer_id": "ABC", "n": "c"}, {"customer_id": 1.5, "n": "d"}, {"customer_id": 2, "n": "e"}, {"customer_id": 12345678901234567890123, "n": "f"}]"""));
        var collection = new CustomerCollection(new CustomerCollectionOptions());
        var run = new DownloadRun(cube.Connect());
        var result = await run.Downloader().DownloadAsync(9, new WantedCustomerIds(new[] { "042", "1.5", "ABC", "12345678901234567890123", "7", "42.0", "abc" }), collection, CancellationToken.None);

        Assert.Equal(new[] { "a", "b", "c", "d", "f" }, collection.ReadRecords().Select(r => (string)r[1]!));
        Assert.Equal(new[] { "7", "abc" }, result.MissingCustomerIds);
        collection.Dispose();
    }

    [Fact]
    public async Task UpdatedSince_keeps_records_changed_on_or_after_the_day_and_those_without_a_date()
    {
        var cube = FakeCube.Serving((Route, Records));
        var since = new DateTime(2024, 2, 1, 12, 0, 0);
        using var result = await new DownloadRun(cube.Connect()).RunAsync(new CustomerCollectionOptions { UpdatedSince = since }, 9);

        // 2: same day (Cube's dates have no time); 3: a wall-clock time of that morning, in Cube's
        // unknown time zone, could be after noon here: kept; 4: later; 5, 6, 7: no date, kept
        // (never dropped unseen) and counted. 1: the day before, in every time zone, is older.
        Assert.Equal(new object[] { 2L, "3", 4L, 5L, 6L, 7L }, result.Rows.Select(r => r[0]));
        Assert.Equal(3, result.Collection.UndatedRecordsKept);
    }

    [Fact]
    public async Task UpdatedSince_compares_dates_only_to_the_day()
    {
        var cube = FakeCube.Serving((Route, Records));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(new CustomerCollectionOptions { UpdatedSince = new DateTime(2024, 2, 1, 23, 59, 59) }, 9);

        Assert.Contains(2L, result.Rows.Select(r => r[0]));
        Assert.DoesNotContain(1L, result.Rows.Select(r => r[0]));
    }

    [Fact]
    public async Task A_failed_assignment_leaves_the_collection_as_it_was()
    {
        var cube = new FakeCube((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/crm/assignment_id/9/customers" => FakeCube.Json("""[{"customer_id": 1, "name": "A"}]"""),
            _ when request.RequestUri.Query == "" => FakeCube.Json("""{"count": 4, "next": "https://acme.headshed.com/crm/assignment_id/12/customers?page=2", "results": [{"customer_id": 2, "Only12": "x"}]}"""),
            _ => FakeCube.Json("""{"count": 4, "next": null, "results": [{"customer_id": 3} """),
        });
        var run = new DownloadRun(cube.Connect());
        var collection = new CustomerCollection(new CustomerCollectionOptions());
        var downloader = run.Downloader();
        await downloader.DownloadAsync(9, null, collection, CancellationToken.None);
        var error = await Assert.ThrowsAsync<CubeException>(() => downloader.DownloadAsync(12, null, collection, CancellationToken.None));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Equal(12, error.TargetObject);
        Assert.Equal(1, collection.Count);
        Assert.Equal(new[] { "customer_id", "name" }, collection.PropertyNames);
        Assert.Equal(1, collection.RecordsReceived);
    }
}

public class UpdatedSinceArgumentTests
{
    private static object Transform(object input) => new CubePS.Validation.UpdatedSinceArgumentAttribute().Transform(null!, input);

    [Theory]
    [InlineData("2024-03-01T16:00:00Z")]
    [InlineData("2024-03-01T16:00:00.0000000+00:00")]
    [InlineData("2024-03-02T00:00:00+08:00")]
    [InlineData("2024-03-01T06:00:00-10:00")]
    public void Text_with_an_offset_or_Z_is_that_instant_in_UTC_whatever_the_time_zone(string text)
    {
        var bound = Assert.IsType<DateTime>(Transform(new System.Management.Automation.PSObject(text)));
        Assert.Equal(DateTimeKind.Utc, bound.Kind);
        Assert.Equal(new DateTime(2024, 3, 1, 16, 0, 0, DateTimeKind.Utc), bound);
    }

    [Fact]
    public void Text_at_the_ambiguous_hour_of_a_summer_time_end_keeps_its_instant()
    {
        // 00:30Z on 27 October 2024 is 02:30 in Oslo, an hour that happens twice there.
        var bound = Assert.IsType<DateTime>(Transform("2024-10-27T00:30:00Z"));
        Assert.Equal(new DateTime(2024, 10, 27, 0, 30, 0, DateTimeKind.Utc), bound);
    }

    [Theory]
    [InlineData("2024-03-01")]
    [InlineData("2024-03-01T16:00:00")]
    [InlineData("not a date")]
    public void Text_without_an_offset_is_left_to_PowerShell(string text) => Assert.Same(text, Transform(text));

    [Fact]
    public void A_DateTimeOffset_is_its_instant_in_UTC() =>
        Assert.Equal(new DateTime(2024, 3, 1, 16, 0, 0, DateTimeKind.Utc), Transform(new DateTimeOffset(2024, 3, 2, 0, 0, 0, TimeSpan.FromHours(8))));
}
