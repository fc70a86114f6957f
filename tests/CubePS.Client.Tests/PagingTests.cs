using System.Net;
using System.Text;

namespace CubePS.Client.Tests;

public class PagingTests
{
    /// <summary>A paged assignment: <paramref name="records"/> records in pages of <paramref name="pageSize"/>, DRF style.</summary>
    private static FakeCube PagedCube(int records, int pageSize, Func<int, string?>? nextFor = null, int assignmentId = 9)
    {
        return new FakeCube((request, _) =>
        {
            var uri = request.RequestUri!;
            if (uri.AbsolutePath != $"/crm/assignment_id/{assignmentId}/customers")
            {
                return FakeCube.Json("{}", HttpStatusCode.NotFound);
            }

            var page = uri.Query.StartsWith("?page=", StringComparison.Ordinal) ? int.Parse(uri.Query[6..]) : 1;
            var first = (page - 1) * pageSize;
            var ids = Enumerable.Range(first + 1, Math.Max(0, Math.Min(pageSize, records - first)));
            var next = nextFor is not null ? nextFor(page) : first + pageSize < records ? $"{FakeCube.BaseUri}crm/assignment_id/{assignmentId}/customers?page={page + 1}" : null;
            var results = string.Join(",", ids.Select(id => $$"""{"customer_id": {{id}}, "name": "Kunde {{id}}"}"""));
            return FakeCube.Json($$"""{"count": {{records}}, "next": {{(next is null ? "null" : "\"" + next + "\"")}}, "previous": null, "results": [{{results}}]}""");
        });
    }

    [Fact]
    public async Task Every_page_is_read_once_in_order_until_next_is_null()
    {
        var cube = PagedCube(records: 53, pageSize: 5);
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(Enumerable.Range(1, 53).Select(i => (object)(long)i), result.Rows.Select(r => r[0]));
        Assert.Equal(11, cube.Requests.Count);
        Assert.Equal(11, cube.Requests.Select(r => r.Uri.AbsoluteUri).Distinct().Count());
        Assert.Equal(53L, result.Collection.ServerTotalCount);
    }

    [Theory]
    [InlineData("?page=2")]
    [InlineData("/crm/assignment_id/9/customers?page=2")]
    [InlineData("//acme.headshed.com/crm/assignment_id/9/customers?page=2")]
    [InlineData("ftp://acme.headshed.com/crm/assignment_id/9/customers?page=2")]
    [InlineData("not a link at all")]
    public async Task A_next_link_that_is_not_an_absolute_http_URL_is_an_invalid_response_before_any_request(string link)
    {
        // Cube's links are absolute; a relative one would be followed as a path, whatever it holds.
        var cube = PagedCube(records: 12, pageSize: 5, nextFor: page => page < 3 ? link : null);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("not an absolute http(s) URL", error.Message);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task A_next_link_of_megabytes_is_refused_before_any_request_and_quoted_trimmed()
    {
        var link = FakeCube.BaseUri + "crm/assignment_id/9/customers?page=2&pad=" + new string('x', 5 * 1024 * 1024);
        var cube = PagedCube(records: 12, pageSize: 5, nextFor: page => page < 3 ? link : null);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("at most 8,192 characters", error.Message);
        Assert.Contains("characters in all)", error.Message);
        Assert.InRange(error.Message.Length, 1, 1000);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task When_links_stop_following_the_page_pattern_the_records_are_still_each_read_once()
    {
        // Pages 1-3 use ?page=N, then the server switches to a cursor: predicted pages must not be used.
        var cube = new FakeCube((request, _) =>
        {
            var query = request.RequestUri!.Query;
            var page = query switch { "" => 1, "?page=2" => 2, "?page=3" => 3, "?cursor=abc" => 4, "?cursor=def" => 5, _ => 99 };
            if (page == 99)
            {
                // A predicted page beyond the switch: answering it with data must not matter.
                return FakeCube.Json("""{"count": 25, "next": null, "results": [{"customer_id": 999}]}""");
            }

            var next = page switch { 1 => "?page=2", 2 => "?page=3", 3 => "?cursor=abc", 4 => "?cursor=def", _ => null } is { } relative ? $"{FakeCube.BaseUri}crm/assignment_id/9/customers{relative}" : null;
            var results = string.Join(",", Enumerable.Range((page - 1) * 5 + 1, 5).Select(id => $$"""{"customer_id": {{id}}}"""));
            return FakeCube.Json($$"""{"count": 25, "next": {{(next is null ? "null" : "\"" + next + "\"")}}, "results": [{{results}}]}""");
        });
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(Enumerable.Range(1, 25).Select(i => (object)(long)i), result.Rows.Select(r => r[0]));
    }

    [Fact]
    public async Task Pages_are_fetched_ahead_when_their_links_are_predictable()
    {
        var inner = PagedCube(records: 100, pageSize: 10);
        var server = new LatencyHandler(inner, TimeSpan.FromMilliseconds(50));
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => server);
        using var result = await new DownloadRun(connection).RunAsync(null, 9);

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (object)(long)i), result.Rows.Select(r => r[0]));
        Assert.Equal(10, inner.Requests.Count);
        Assert.InRange(server.MostInFlight, 2, CustomerDownloader.MaximumPagesAhead + 1);
    }

    [Fact]
    public async Task A_next_link_to_another_host_is_refused_and_never_requested()
    {
        var cube = PagedCube(records: 10, pageSize: 5, nextFor: page => page == 1 ? "https://evil.example.com/crm/assignment_id/9/customers?page=2" : null);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.UnsafeNextLink, error.ErrorId);
        Assert.Equal(CubeErrorCategory.SecurityError, error.Category);
        Assert.Contains("evil.example.com", error.Message);
        Assert.All(cube.Requests, r => Assert.Equal("acme.headshed.com", r.Uri.Host));
    }

    [Theory]
    [InlineData("http://acme.headshed.com/crm/assignment_id/9/customers?page=2")]
    [InlineData("https://acme.headshed.com:8443/crm/assignment_id/9/customers?page=2")]
    public async Task A_next_link_to_another_scheme_or_port_is_refused(string next)
    {
        var cube = PagedCube(records: 10, pageSize: 5, nextFor: page => page == 1 ? next : null);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.UnsafeNextLink, error.ErrorId);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task A_next_link_back_to_a_page_already_read_ends_with_CubeInvalidResponse()
    {
        var cube = PagedCube(records: 20, pageSize: 5, nextFor: page => page == 3 ? $"{FakeCube.BaseUri}crm/assignment_id/9/customers?page=2" : $"{FakeCube.BaseUri}crm/assignment_id/9/customers?page={page + 1}");
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("loop", error.Message);
    }

    [Fact]
    public async Task First_stops_requesting_pages_once_it_has_enough()
    {
        var cube = PagedCube(records: 500, pageSize: 5);
        using var result = await new DownloadRun(cube.Connect()).RunAsync(new CustomerCollectionOptions { First = 7 }, 9);

        Assert.Equal(7, result.Rows.Count);
        Assert.Equal(2, cube.Requests.Count);
    }

    [Fact]
    public async Task Skip_and_First_select_a_window_across_pages()
    {
        var cube = PagedCube(records: 50, pageSize: 5);
        using var result = await new DownloadRun(cube.Connect()).RunAsync(new CustomerCollectionOptions { Skip = 8, First = 4 }, 9);

        Assert.Equal(new object[] { 9L, 10L, 11L, 12L }, result.Rows.Select(r => r[0]));
        Assert.Equal(3, cube.Requests.Count);
    }

    [Fact]
    public async Task First_within_a_bare_array_stops_reading_it()
    {
        var json = "[" + string.Join(",", Enumerable.Range(1, 10_000).Select(i => $$"""{"customer_id": {{i}}}""")) + "]";
        var body = new CountingStream(Encoding.UTF8.GetBytes(json));
        var cube = new FakeCube((_, _) => FakeCube.Body(body));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(new CustomerCollectionOptions { First = 3 }, 9);

        Assert.Equal(3, result.Rows.Count);
        Assert.True(body.BytesRead < json.Length / 2, $"read {body.BytesRead} of {json.Length} bytes");
    }

    [Fact]
    public async Task Progress_is_reported_per_page_with_the_expected_total()
    {
        var cube = PagedCube(records: 12, pageSize: 5);
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new long[] { 5, 10, 12 }, run.Log.ProgressReports.Select(p => p.RecordsReceived));
        Assert.All(run.Log.ProgressReports, p => Assert.Equal(12, p.RecordsExpected));
    }

    [Fact]
    public async Task A_count_that_does_not_match_the_records_sent_is_warned_about()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("""{"count": 5, "next": null, "results": [{"customer_id": 1}]}"""));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        // The mismatch could be a change during the read: read again; the same result twice is the data's own.
        Assert.Single(result.Rows);
        Assert.Equal(2, cube.Requests.Count);
        Assert.Contains(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal) && m.Contains("Cube announced 5 customers and sent 1 different ones") && m.Contains("Read twice with the same result"));
    }

    [Fact]
    public async Task Several_assignments_share_one_schema_in_the_order_asked()
    {
        var cube = FakeCube.Serving(
            ("/crm/assignment_id/9/customers", """[{"customer_id": 1, "Region": "Nord"}]"""),
            ("/crm/assignment_id/12/customers", """[{"customer_id": 2, "gender": "K", "Samtykke": "Ja"}]"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 12, 9);

        Assert.Equal(new[] { "customer_id", "gender", "Samtykke", "Region" }, result.Names);
        Assert.Equal(new object?[] { 2L, "K", "Ja", null }, result.Rows[0]);
        Assert.Equal(new object?[] { 1L, null, null, "Nord" }, result.Rows[1]);
    }

    /// <summary>A server that answers each request after a delay, without holding a thread, as a distant one does.</summary>
    private sealed class LatencyHandler : HttpMessageHandler
    {
        private readonly FakeCube _inner;
        private readonly TimeSpan _latency;
        private int _inFlight;
        private int _mostInFlight;
        private int _calls;

        public LatencyHandler(FakeCube inner, TimeSpan latency)
        {
            _inner = inner;
            _latency = latency;
        }

        public int MostInFlight => _mostInFlight;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _mostInFlight, now);
            try
            {
                await Task.Delay(_latency, cancellationToken);
                lock (_inner.Requests)
                {
                    _inner.Requests.Add(new SeenRequest(request.Method.Method, request.RequestUri!, null, string.Empty));
                }

                return _inner.Respond(request, Interlocked.Increment(ref _calls) - 1);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    private sealed class CountingStream : MemoryStream
    {
        public CountingStream(byte[] data)
            : base(data)
        {
        }

        public long BytesRead { get; private set; }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var read = await base.ReadAsync(buffer, offset, Math.Min(count, 4096), cancellationToken);
            BytesRead += read;
            return read;
        }
    }
}
