using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CubePS.Client.Tests;

/// <summary>
/// What a server that misbehaves on purpose must not get away with: data lost, altered or doubled
/// without a word, calls that never end, crashes and wrong ids, leaked secrets, unclear messages.
/// </summary>
public class HostileServerTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    private static string Page(int count, string? next, IEnumerable<int> ids) =>
        $$"""{"count": {{count}}, "next": {{(next is null ? "null" : "\"" + next + "\"")}}, "results": [{{string.Join(",", ids.Select(id => $$"""{"customer_id": {{id}}, "name": "Kunde {{id}}"}"""))}}]}""";

    private static int PageOf(Uri uri) => uri.Query.StartsWith("?page=", StringComparison.Ordinal) ? int.Parse(uri.Query[6..].Split('&', '#')[0]) : 1;

    /// <summary>
    /// An assignment of <paramref name="records"/> customers in pages of 3 whose first record is
    /// deleted (or a new one inserted at the front) right after page 1 is served, on the reads
    /// <paramref name="shiftOnRead"/> says; later pages see the offsets moved.
    /// </summary>
    private static FakeCube Shifting(int records, int delta, Func<int, bool> shiftOnRead)
    {
        var list = Enumerable.Range(1, records).ToList();
        var reads = 0;
        var inserted = 1000;
        return new FakeCube((request, _) =>
        {
            var page = PageOf(request.RequestUri!);
            List<int> served;
            int count;
            lock (list)
            {
                if (page == 1)
                {
                    reads++;
                }

                served = list.Skip((page - 1) * 3).Take(3).ToList();
                count = list.Count;
                var next = (page * 3) < list.Count ? $"https://acme.headshed.com/crm/assignment_id/9/customers?page={page + 1}" : null;
                if (page == 1 && shiftOnRead(reads))
                {
                    if (delta < 0)
                    {
                        list.RemoveAt(0);
                    }
                    else
                    {
                        list.Insert(0, inserted++);
                    }
                }

                return FakeCube.Json(Page(count, next, served));
            }
        });
    }

    private static long[] Ids(DownloadRun.Result result) => result.Rows.Select(r => (long)r[0]!).ToArray();

    [Fact]
    public async Task A_record_deleted_during_the_read_makes_CubePS_read_again_and_miss_nothing()
    {
        var cube = Shifting(records: 10, delta: -1, shiftOnRead: read => read == 1);
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        // The first read skipped customer 4 (page 2 moved); the second read is whole and agrees with itself.
        Assert.Equal(Enumerable.Range(2, 9).Select(i => (long)i), Ids(result));
        Assert.Contains(run.Log.Messages, m => m.StartsWith("VERBOSE: Assignment 9 changed while it was read", StringComparison.Ordinal) && m.Contains("from 10 to 9"));
        Assert.DoesNotContain(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_record_inserted_during_the_read_is_never_handed_over_twice()
    {
        var cube = Shifting(records: 10, delta: +1, shiftOnRead: read => read == 1);
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        var ids = Ids(result);
        Assert.Equal(ids.Distinct().Count(), ids.Length);
        Assert.Equal(new long[] { 1000 }.Concat(Enumerable.Range(1, 10).Select(i => (long)i)), ids);
    }

    [Fact]
    public async Task An_assignment_that_never_holds_still_is_written_once_each_with_a_warning_naming_it_and_the_counts()
    {
        var cube = Shifting(records: 10, delta: +1, shiftOnRead: _ => true);
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        var ids = Ids(result);
        Assert.Equal(ids.Distinct().Count(), ids.Length);
        Assert.Equal(CustomerDownloader.MaximumReads, cube.Requests.Count(r => PageOf(r.Uri) == 1));
        var warning = Assert.Single(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal));
        Assert.Contains("Assignment 9 kept changing", warning);
        Assert.Contains("reads never agreed", warning);
        Assert.Contains("came twice", warning);
    }

    [Fact]
    public async Task A_customer_the_server_always_sends_twice_is_written_once_and_said()
    {
        var cube = FakeCube.Serving((Route, """[{"customer_id": 1, "name": "A"}, {"customer_id": 2, "name": "B"}, {"customer_id": 1, "name": "A again"}]"""));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new long[] { 1, 2 }, Ids(result));
        Assert.Equal("A", result.Value(0, "name"));
        Assert.Equal(2, cube.Requests.Count);
        Assert.Contains(run.Log.Messages, m => m.StartsWith("WARNING: Assignment 9: 1 customer came twice (customer_id 1)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task One_customer_id_in_any_form_is_one_customer()
    {
        var cube = FakeCube.Serving((Route, """[{"customer_id": 2, "name": "first"}, {"customer_id": "2"}, {"customer_id": 2.0}, {"customer_id": 2e0}, {"customer_id": 20e-1}, {"customer_id": 3}, {"customer_id": "042"}, {"customer_id": " 42"}, {"customer_id": 42}]"""));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        // Text that is not a JSON number is its own id: "042" and " 42" are not 42.
        Assert.Equal(5, result.Rows.Count);
        Assert.Equal("first", result.Value(0, "name"));
        Assert.Contains(run.Log.Messages, m => m.StartsWith("WARNING: Assignment 9: 4 customers came twice (customer_id 2).", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_twice_in_one_record_keeps_the_last_value_and_says_so()
    {
        var cube = FakeCube.Serving((Route, """[{"customer_id": 1, "name": "A", "phone_1": "1", "name": "B"}, {"customer_id": 2, "name": "C"}]"""));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new[] { "customer_id", "name", "phone_1" }, result.Names);
        Assert.Equal("B", result.Value(0, "name"));
        Assert.Equal("C", result.Value(1, "name"));
        var warning = Assert.Single(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal));
        Assert.Contains("1 customer record has a key more than once (such as 'name' in customer 1); the last value", warning);
    }

    [Fact]
    public async Task Paging_that_brings_new_records_forever_ends_with_CubeInvalidResponse()
    {
        var cube = new FakeCube((request, _) =>
        {
            var page = PageOf(request.RequestUri!);
            return FakeCube.Json(Page(5, $"https://acme.headshed.com/crm/assignment_id/9/customers?page={page + 1}", Enumerable.Range((page * 5) + 1, 5)));
        });
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("far more than the 5 it announced", error.Message);
        Assert.InRange(cube.Requests.Count, 100, 300);
    }

    [Fact]
    public async Task A_count_near_the_end_of_Int64_does_not_wrap_round_into_a_false_error()
    {
        var cube = new FakeCube((request, _) =>
        {
            var page = PageOf(request.RequestUri!);
            var next = page < 3 ? $"\"https://acme.headshed.com/crm/assignment_id/9/customers?page={page + 1}\"" : "null";
            return FakeCube.Json($$"""{"count": 4611686018427387904, "next": {{next}}, "results": [{"customer_id": {{page}}}]}""");
        });
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new long[] { 1, 2, 3 }, Ids(result));
    }

    [Fact]
    public async Task Paging_without_a_count_that_brings_new_records_forever_ends_with_CubeInvalidResponse()
    {
        var cube = new FakeCube((request, _) =>
        {
            var page = PageOf(request.RequestUri!);
            return FakeCube.Json($$"""{"next": "https://acme.headshed.com/crm/assignment_id/9/customers?page={{page + 1}}", "results": [{"customer_id": {{page}}}]}""");
        });
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("20,000 pages (20,000 customers) without a count", error.Message);
        Assert.InRange(cube.Requests.Count, CustomerDownloader.MaximumPagesWithoutCount, CustomerDownloader.MaximumPagesWithoutCount + 1);
    }

    [Theory]
    [InlineData("""{"count": 2, "results": [{"customer_id": 1}], "results": [{"customer_id": 2}], "next": null}""", "results")]
    [InlineData("""{"count": 2, "next": null, "results": [{"customer_id": 1}], "next": "?page=2"}""", "next")]
    [InlineData("""{"count": 2, "count": 1, "next": null, "results": [{"customer_id": 1}]}""", "count")]
    public async Task An_envelope_with_a_key_of_its_own_twice_is_CubeInvalidResponse(string page, string key)
    {
        var cube = FakeCube.Serving((Route, page));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(5, 0, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("The page has '" + key + "' twice", error.Message);
    }

    [Fact]
    public async Task An_envelope_key_whose_value_spans_reads_is_not_taken_for_a_second_one()
    {
        var large = new string('x', 200_000);
        var cube = FakeCube.Serving((Route, $$"""{"count": {"note": "{{large}}"}, "previous": {"note": "{{large}}"}, "next": null, "results": [{"customer_id": 1}]}"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(new long[] { 1 }, Ids(result));
    }

    [Fact]
    public async Task A_secret_in_a_reason_phrase_is_masked_in_the_error_and_in_Verbose()
    {
        var cube = new FakeCube((_, _) =>
        {
            var reply = FakeCube.Json("{}", HttpStatusCode.InternalServerError);
            reply.ReasonPhrase = FakeCube.Token;
            return reply;
        });
        var run = new DownloadRun(cube.Connect(), new RequestSettings(5, 0, 0));
        var error = await Assert.ThrowsAsync<CubeException>(() => run.RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestFailed, error.ErrorId);
        Assert.Contains("500 ***", error.Message);
        Assert.DoesNotContain(FakeCube.Token, error.ToString());
        Assert.Contains(run.Log.Messages, m => m.StartsWith("VERBOSE: GET", StringComparison.Ordinal) && m.Contains("answered 500 ***", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Log.Messages, m => m.Contains(FakeCube.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_secret_in_a_key_or_a_customer_id_is_masked_in_errors_and_warnings()
    {
        var token = FakeCube.Token;
        var badKey = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "{{token}}": "\ud800"}]"""));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(badKey.Connect(), new RequestSettings(5, 0, 0)).RunAsync(null, 9));
        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.DoesNotContain(token, error.ToString());

        var twice = FakeCube.Serving((Route, $$"""[{"customer_id": "{{token}}", "name": "a", "name": "b"}, {"customer_id": "{{token}}"}]"""));
        var run = new DownloadRun(twice.Connect());
        using var result = await run.RunAsync(null, 9);
        Assert.Contains(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal) && m.Contains("***", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Log.Messages, m => m.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Endless_empty_pages_end_with_CubeInvalidResponse()
    {
        var cube = new FakeCube((request, _) =>
        {
            var page = PageOf(request.RequestUri!);
            return FakeCube.Json(Page(2, $"https://acme.headshed.com/crm/assignment_id/9/customers?page={page + 1}", page == 1 ? new[] { 1, 2 } : Array.Empty<int>()));
        });
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("brought no customer not seen before", error.Message);
        // The pages read, and at most the one named next, fetched while the last was read.
        Assert.InRange(cube.Requests.Count, CustomerDownloader.MaximumPagesWithoutNewCustomers + 1, CustomerDownloader.MaximumPagesWithoutNewCustomers + 2);
    }

    [Fact]
    public async Task A_next_link_that_differs_only_by_fragment_is_the_same_page()
    {
        var served = 0;
        var cube = new FakeCube((request, _) => FakeCube.Json(Page(3, $"https://acme.headshed.com/crm/assignment_id/9/customers?page=1#f{++served}", new[] { 1, 2, 3 })));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("links back to a page already read", error.Message);

        // The first page (no query), then ?page=1, whose link back to itself (#f2) is caught.
        Assert.Equal(2, cube.Requests.Count);
    }

    [Fact]
    public async Task An_empty_next_link_is_the_last_page()
    {
        var cube = FakeCube.Serving((Route, """{"count": 2, "next": "", "results": [{"customer_id": 1}, {"customer_id": 2}]}"""));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new long[] { 1, 2 }, Ids(result));
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task The_final_error_after_retries_says_how_often_and_how_long_CubePS_tried()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("""{"detail": "busy"}""", HttpStatusCode.ServiceUnavailable));
        var run = new DownloadRun(cube.Connect(), new RequestSettings(5, 2, 1));
        var error = await Assert.ThrowsAsync<CubeException>(() => run.RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestFailed, error.ErrorId);
        Assert.Contains("It failed 3 times; CubePS waited", error.Message);
        Assert.Equal(503, error.StatusCode);
    }

    [Fact]
    public async Task A_host_name_that_does_not_resolve_fails_at_once_naming_it()
    {
        var error = await FailsOnceWithoutRetry(() => new HttpRequestException("Name or service not known (acmee.headshed.com:443)", new SocketException((int)SocketError.HostNotFound)), account: "acmee");

        Assert.Equal(CubeErrorIds.ConnectionFailed, error.ErrorId);
        Assert.Contains("acmee.headshed.com could not be found", error.Message);
    }

    /// <summary>Sends assignment 9's first request into <paramref name="failure"/> and checks that it was neither retried nor waited for.</summary>
    private static async Task<CubeException> FailsOnceWithoutRetry(Func<Exception> failure, string account = "acme", Uri? proxy = null)
    {
        var handler = new ThrowingHandler(failure);
        var connection = Connection.Create(new ConnectionOptions { Account = account, Token = FakeCube.Secure(FakeCube.Token), Proxy = proxy }, () => handler);
        var run = new DownloadRun(connection);
        var error = await Assert.ThrowsAsync<CubeException>(() => run.RunAsync(null, 9));

        Assert.Equal(1, handler.Calls);
        Assert.Empty(run.Waits);
        return error;
    }

    [Fact]
    public async Task A_proxy_that_refuses_the_https_tunnel_is_CubeProxyAuthenticationFailed_at_once()
    {
        // What SocketsHttpHandler raises when the proxy answers CONNECT with 407.
        var error = await FailsOnceWithoutRetry(() => new HttpRequestException("The proxy tunnel request to proxy 'http://proxy.example:3128/' failed with status code '407'.", null, HttpStatusCode.ProxyAuthenticationRequired), proxy: new Uri("http://proxy.example:3128/"));

        Assert.Equal(CubeErrorIds.ProxyAuthenticationFailed, error.ErrorId);
        Assert.Equal(CubeErrorCategory.AuthenticationError, error.Category);
        Assert.Equal(407, error.StatusCode);
        Assert.Contains("The proxy http://proxy.example:3128 refused to pass the request to Cube at https://acme.headshed.com", error.Message);
        Assert.Contains("-ProxyCredential", error.RecommendedAction);
    }

    [Fact]
    public async Task A_proxy_that_refuses_the_https_tunnel_by_policy_fails_at_once_naming_the_proxy()
    {
        var error = await FailsOnceWithoutRetry(() => new HttpRequestException("The proxy tunnel request to proxy 'http://proxy.example:3128/' failed with status code '403'.", null, HttpStatusCode.Forbidden), proxy: new Uri("http://proxy.example:3128/"));

        Assert.Equal(CubeErrorIds.ConnectionFailed, error.ErrorId);
        Assert.Contains("The proxy http://proxy.example:3128 refused the https tunnel to Cube at https://acme.headshed.com (403)", error.Message);
    }

    [Fact]
    public async Task A_reply_that_claims_compression_but_is_not_is_CubeInvalidResponse()
    {
        // What HttpClientHandler does with Content-Encoding: gzip over plain bytes: the read throws InvalidDataException.
        var plain = Encoding.UTF8.GetBytes("""[{"customer_id": 1}]""");
        var cube = new FakeCube((_, _) => FakeCube.Body(new GZipStream(new MemoryStream(plain), CompressionMode.Decompress)));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("cannot be decompressed", error.Message);
        Assert.Contains("assignment 9, page 1", error.Message);
    }

    [Fact]
    public async Task A_reply_still_compressed_after_decoding_says_so()
    {
        // Content-Encoding: gzip, gzip decoded once, or gzip sent without saying: gzip bytes remain.
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionMode.Compress, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes("""[{"customer_id": 1}]"""));
        }

        var bytes = packed.ToArray();
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(bytes)));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("it is still compressed after decoding. CubePS undoes one gzip or deflate", error.Message);
    }

    [Fact]
    public async Task A_reply_in_a_declared_latin1_charset_says_which_charset_it_declared()
    {
        var latin1 = Encoding.Latin1.GetBytes("""[{"customer_id": 1, "city": "BODØ"}]""");
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(latin1), "application/json; charset=iso-8859-1"));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("not valid UTF-8", error.Message);
        Assert.Contains("declares charset=iso-8859-1", error.Message);
    }

    [Theory]
    [InlineData(HttpRequestError.InvalidResponse, "Received an invalid status line: 'GARBAGE'.")]
    [InlineData(HttpRequestError.ConfigurationLimitExceeded, "The HTTP response headers length exceeded the set limit of 65536 bytes.")]
    public async Task A_reply_that_is_not_readable_HTTP_is_CubeInvalidResponse_at_once(HttpRequestError kind, string message)
    {
        var error = await FailsOnceWithoutRetry(() => new HttpRequestException(kind, message));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("https://acme.headshed.com answered assignment 9, page 1", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_byte_order_mark_split_over_reads_is_still_a_byte_order_mark(int chunk)
    {
        var body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("""[{"customer_id": 1, "city": "BODØ"}]""")).ToArray();
        var cube = new FakeCube((_, _) => FakeCube.Body(new TrickleStream(body, chunk)));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal("BODØ", result.Value(0, "city"));
    }

    [Fact]
    public async Task A_lone_surrogate_escape_is_named_with_its_record_and_key()
    {
        var cube = FakeCube.Serving((Route, """[{"customer_id": 1, "name": "ok"}, {"customer_id": 2, "name": "Bad \ud800 text"}]"""));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("Record 2 of the page: the value of 'name' has the escape \\uD800, the first half of a UTF-16 surrogate pair", error.Message);
        Assert.DoesNotContain("UTF-8", error.Message);
    }

    [Fact]
    public async Task Whitespace_between_records_is_dropped_as_it_arrives_however_much_there_is()
    {
        // 200 MB of padding, more than CubePS ever holds of a reply at once: it must not be held.
        var padding = 100 * 1024 * 1024;
        var body = new PaddedStream("[", (byte)' ', padding, "{\"customer_id\": 1}", (byte)'\n', padding, "]");
        var cube = new FakeCube((_, _) => FakeCube.Body(body));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Single(result.Rows);
    }

    [Fact]
    public async Task A_record_larger_than_CubePS_holds_at_once_is_CubeInvalidResponse_not_a_crash()
    {
        var body = new PaddedStream("[{\"customer_id\": 1, \"name\": \"", (byte)'x', 70 * 1024 * 1024, string.Empty, (byte)' ', 0, "\"}]");
        var cube = new FakeCube((_, _) => FakeCube.Body(body));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("larger than 64 MB", error.Message);
    }

    [Fact]
    public async Task Deeply_nested_values_are_read_as_compact_JSON()
    {
        const int depth = 500;
        var nested = new string('[', depth) + "1" + new string(']', depth);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "more_info_fields": {{nested}}}]"""));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(nested, result.Value(0, "more_info_fields"));
    }

    [Fact]
    public async Task Values_nested_beyond_what_CubePS_reads_are_named_plainly()
    {
        const int depth = 2000;
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "more_info_fields": {{new string('[', depth) + new string(']', depth)}}}]"""));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("Record 1 of the page: the value of 'more_info_fields' is nested deeper than CubePS reads: 1024 levels in all, counting the page and the record around it", error.Message);
    }

    [Fact]
    public async Task Requests_wait_for_a_slot_before_their_timeout_starts_and_never_exceed_the_slots()
    {
        var handler = new SlowHandler(TimeSpan.FromMilliseconds(300));
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => handler);

        // 72 downloads at once on one connection: nine rounds of 8, about 2.7 s, with a 2 s timeout
        // that a request waiting for a slot would otherwise run out of (and 1.7 s of slack for one
        // request of 0.3 s on a loaded machine).
        var settings = new RequestSettings(2, 0, 0);
        var downloads = Enumerable.Range(0, 72).Select(async _ =>
        {
            using var collection = new CustomerCollection(new CustomerCollectionOptions());
            await new CustomerDownloader(connection, settings, NullCubeLog.Instance).DownloadAsync(9, null, collection, CancellationToken.None);
            return collection.Count;
        });
        var counts = await Task.WhenAll(downloads);

        Assert.All(counts, count => Assert.Equal(1, count));
        Assert.Equal(RequestSettings.DefaultThrottleLimit, handler.MostAtOnce);
    }

    [Fact]
    public async Task Closing_a_connection_under_a_running_call_lets_the_call_finish()
    {
        var handlers = new List<SlowHandler>();
        var connection = Connection.Create(
            new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) },
            () =>
            {
                var handler = new SlowHandler(TimeSpan.FromMilliseconds(400));
                handlers.Add(handler);
                return handler;
            });
        using var collection = new CustomerCollection(new CustomerCollectionOptions());
        var download = new CustomerDownloader(connection, new RequestSettings(5, 0, 0), NullCubeLog.Instance).DownloadAsync(9, null, collection, CancellationToken.None);

        while (handlers.Count == 0)
        {
            await Task.Delay(10);
        }

        await handlers[0].Started.Task;
        connection.Dispose();
        await download;

        // The call ended with its data, on the old client, which closed once the call was done with it.
        Assert.Equal(1, collection.Count);
        Assert.False(handlers[0].DisposedWhileBusy, "the client was closed under the request");
        Assert.True(handlers[0].Disposed, "the old client was not closed once its request was done");

        // Using the connection again opens a new client.
        using var again = new CustomerCollection(new CustomerCollectionOptions());
        await new CustomerDownloader(connection, new RequestSettings(5, 0, 0), NullCubeLog.Instance).DownloadAsync(9, null, again, CancellationToken.None);
        Assert.Equal(2, handlers.Count);
        Assert.Equal(1, again.Count);
    }

    /// <summary>Fails every request the same way.</summary>
    private sealed class ThrowingHandler : HttpMessageHandler
    {
        private readonly Func<Exception> _failure;

        public ThrowingHandler(Func<Exception> failure) => _failure = failure;

        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            throw _failure();
        }
    }

    /// <summary>Answers every request with one record after a delay, counting how many are under way at once.</summary>
    private sealed class SlowHandler : HttpMessageHandler
    {
        private readonly TimeSpan _delay;
        private int _atOnce;
        private int _mostAtOnce;

        public SlowHandler(TimeSpan delay) => _delay = delay;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MostAtOnce => _mostAtOnce;

        public bool Disposed { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _atOnce);
            InterlockedMax(ref _mostAtOnce, now);
            Started.TrySetResult();
            try
            {
                await Task.Delay(_delay, cancellationToken);
                return FakeCube.Json("""[{"customer_id": 1}]""");
            }
            finally
            {
                Interlocked.Decrement(ref _atOnce);
            }
        }

        public bool DisposedWhileBusy { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            DisposedWhileBusy |= Volatile.Read(ref _atOnce) > 0;
            base.Dispose(disposing);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }

    /// <summary>A body that hands out at most <c>chunk</c> bytes per read.</summary>
    private sealed class TrickleStream : MemoryStream
    {
        private readonly int _chunk;

        public TrickleStream(byte[] data, int chunk)
            : base(data) => _chunk = chunk;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _chunk));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));
    }
}

/// <summary>A reply made as it is read: a prefix, a byte repeated, a middle, another byte repeated, a suffix; never held whole.</summary>
internal sealed class PaddedStream : ReadOnlyBodyStream
{
    private readonly (byte[] Text, byte Fill, long Count)[] _parts;
    private int _part;
    private long _offset;

    public PaddedStream(string prefix, byte firstFill, long firstCount, string middle, byte secondFill, long secondCount, string suffix)
    {
        _parts = new[]
        {
            (Encoding.UTF8.GetBytes(prefix), (byte)0, 0L),
            (Array.Empty<byte>(), firstFill, firstCount),
            (Encoding.UTF8.GetBytes(middle), (byte)0, 0L),
            (Array.Empty<byte>(), secondFill, secondCount),
            (Encoding.UTF8.GetBytes(suffix), (byte)0, 0L),
        };
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        while (_part < _parts.Length)
        {
            var (text, fill, repeat) = _parts[_part];
            var length = text.Length > 0 ? text.Length : repeat;
            if (_offset >= length)
            {
                _part++;
                _offset = 0;
                continue;
            }

            var take = (int)Math.Min(count, length - _offset);
            if (text.Length > 0)
            {
                Buffer.BlockCopy(text, (int)_offset, buffer, offset, take);
            }
            else
            {
                buffer.AsSpan(offset, take).Fill(fill);
            }

            _offset += take;
            return take;
        }

        return 0;
    }
}
