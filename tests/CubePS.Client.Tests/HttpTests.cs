using System.Net;
using System.Text;

namespace CubePS.Client.Tests;

public class HttpTests
{
    private const string Route = "/crm/assignment_id/9/customers";
    private const string OneRecord = """[{"customer_id": 1}]""";

    private static FakeCube FailingThen(HttpStatusCode status, int failures, Action<HttpResponseMessage>? decorate = null) =>
        new((_, call) =>
        {
            if (call < failures)
            {
                var failed = FakeCube.Json("""{"detail": "busy"}""", status);
                decorate?.Invoke(failed);
                return failed;
            }

            return FakeCube.Json(OneRecord);
        });

    [Fact]
    public async Task Token_connections_send_the_token_header_and_ask_for_JSON()
    {
        var cube = FakeCube.Serving((Route, OneRecord));
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        var request = Assert.Single(cube.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal(FakeCube.BaseUri + "crm/assignment_id/9/customers", request.Uri.AbsoluteUri);
        Assert.Equal("Token " + FakeCube.Token, request.Authorization);
        Assert.Equal("application/json", request.Accept);
    }

    [Fact]
    public async Task Basic_connections_send_the_user_and_password_as_UTF8()
    {
        var cube = FakeCube.Serving((Route, OneRecord));
        var connection = cube.Connect(o =>
        {
            o.Token = null;
            o.UserName = "åse@example.no";
            o.Password = FakeCube.Secure("pässwørd");
        });
        using var result = await new DownloadRun(connection).RunAsync(null, 9);

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("åse@example.no:pässwørd"));
        Assert.Equal(expected, Assert.Single(cube.Requests).Authorization);
    }

    [Fact]
    public async Task Routes_are_appended_to_the_base_path()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json(OneRecord));
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri("https://proxy.example.com/cube/api"), Token = FakeCube.Secure(FakeCube.Token) }, () => cube);
        using var result = await new DownloadRun(connection).RunAsync(null, 9);

        Assert.Equal("https://proxy.example.com/cube/api/crm/assignment_id/9/customers", Assert.Single(cube.Requests).Uri.AbsoluteUri);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "CubeAuthenticationFailed", "AuthenticationError")]
    [InlineData(HttpStatusCode.Forbidden, "CubeAssignmentForbidden", "PermissionDenied")]
    public async Task Refused_credentials_or_access_are_named_without_a_retry_or_the_secret(HttpStatusCode status, string errorId, string category)
    {
        var cube = new FakeCube((_, _) => FakeCube.Json($$"""{"detail": "Invalid token {{FakeCube.Token}}."}""", status));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(category, error.Category.ToString());
        Assert.Equal((int)status, error.StatusCode);
        Assert.Single(cube.Requests);
        Assert.DoesNotContain(FakeCube.Token, error.Message + error.ResponseText + error.RecommendedAction);
        Assert.Contains("***", error.ResponseText);
    }

    [Fact]
    public async Task An_unknown_assignment_is_CubeAssignmentNotFound_for_that_id()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("""{"detail": "Not found."}""", HttpStatusCode.NotFound));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 404));

        Assert.Equal(CubeErrorIds.AssignmentNotFound, error.ErrorId);
        Assert.Equal(CubeErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal(404, error.TargetObject);
        Assert.Equal("""{"detail": "Not found."}""", error.ResponseText);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task A_missing_later_page_is_CubeRequestFailed_not_a_missing_assignment()
    {
        var cube = new FakeCube((request, _) => request.RequestUri!.Query == ""
            ? FakeCube.Json("""{"count": 2, "next": "https://acme.headshed.com/crm/assignment_id/9/customers?page=2", "results": [{"customer_id": 1}]}""")
            : FakeCube.Json("{}", HttpStatusCode.NotFound));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestFailed, error.ErrorId);
        Assert.Equal(404, error.StatusCode);
    }

    [Theory]
    [InlineData(HttpStatusCode.Accepted)]
    [InlineData(HttpStatusCode.NoContent)]
    [InlineData(HttpStatusCode.PartialContent)]
    public async Task A_success_that_is_not_a_whole_page_is_CubeInvalidResponse_not_a_short_read(HttpStatusCode status)
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("""[{"customer_id": 1}]""", status));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(5, 3, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Equal(CubeErrorCategory.InvalidData, error.Category);
        Assert.Equal((int)status, error.StatusCode);
        Assert.Contains("only 200 OK carries a whole page", error.Message, StringComparison.Ordinal);
        Assert.Single(cube.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task Transient_statuses_are_retried_with_growing_waits(HttpStatusCode status)
    {
        var cube = FailingThen(status, failures: 2);
        var run = new DownloadRun(cube.Connect(), new RequestSettings(5, 3, 1));
        using var result = await run.RunAsync(null, 9);

        Assert.Single(result.Rows);
        Assert.Equal(3, cube.Requests.Count);
        Assert.Equal(2, run.Waits.Count);
        Assert.InRange(run.Waits[0].TotalSeconds, 1, 1.5);
        Assert.InRange(run.Waits[1].TotalSeconds, 2, 3);
        Assert.Contains(run.Log.Messages, m => m.Contains("Retry 1 of 3"));
    }

    [Fact]
    public async Task Retries_that_run_out_end_with_the_last_failure()
    {
        var cube = FailingThen(HttpStatusCode.ServiceUnavailable, failures: 100);
        var run = new DownloadRun(cube.Connect(), new RequestSettings(5, 2, 0));
        var error = await Assert.ThrowsAsync<CubeException>(() => run.RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestFailed, error.ErrorId);
        Assert.Equal(CubeErrorCategory.ResourceUnavailable, error.Category);
        Assert.Equal(503, error.StatusCode);
        Assert.Equal("""{"detail": "busy"}""", error.ResponseText);
        Assert.Equal(3, cube.Requests.Count);
    }

    [Fact]
    public async Task MaximumRetryCount_zero_sends_one_request()
    {
        var cube = FailingThen(HttpStatusCode.ServiceUnavailable, failures: 1);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(5, 0, 1)).RunAsync(null, 9));

        Assert.Equal(503, error.StatusCode);
        Assert.Single(cube.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public async Task Other_failures_are_not_retried(HttpStatusCode status)
    {
        var cube = FailingThen(status, failures: 100);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestFailed, error.ErrorId);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task Retry_After_in_seconds_sets_the_wait()
    {
        var cube = FailingThen(HttpStatusCode.TooManyRequests, 1, r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7)));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(run.Waits));
    }

    [Fact]
    public async Task Retry_After_as_a_date_is_measured_from_the_reply_date()
    {
        var serverNow = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var cube = FailingThen(HttpStatusCode.ServiceUnavailable, 1, r =>
        {
            r.Headers.Date = serverNow;
            r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(serverNow.AddSeconds(30));
        });
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(run.Waits));
    }

    [Fact]
    public async Task A_Retry_After_longer_than_CubePS_waits_is_CubeRateLimited_at_once_saying_how_long()
    {
        var cube = FailingThen(HttpStatusCode.TooManyRequests, 1, r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromHours(5)));
        var run = new DownloadRun(cube.Connect());
        var error = await Assert.ThrowsAsync<CubeException>(() => run.RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RateLimited, error.ErrorId);
        Assert.Equal(CubeErrorCategory.LimitsExceeded, error.Category);
        Assert.Equal(429, error.StatusCode);
        Assert.Contains("18,000 s", error.Message);
        Assert.Empty(run.Waits);
        Assert.Single(cube.Requests);
    }

    [Theory]
    [InlineData("99999999999999999999")]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT")]
    public async Task A_Retry_After_beyond_any_range_is_CubeRateLimited_too(string retryAfter)
    {
        var cube = FailingThen(HttpStatusCode.TooManyRequests, 1, r => r.Headers.TryAddWithoutValidation("Retry-After", retryAfter));
        var run = new DownloadRun(cube.Connect());
        var error = await Assert.ThrowsAsync<CubeException>(() => run.RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RateLimited, error.ErrorId);
        Assert.Contains("wait more than a century", error.Message);
        Assert.Empty(run.Waits);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task A_connection_lost_mid_page_retries_the_page_without_doubling_records()
    {
        var page1 = """{"count": 6, "next": "https://acme.headshed.com/crm/assignment_id/9/customers?page=2", "results": [{"customer_id": 1}, {"customer_id": 2}, {"customer_id": 3}]}""";
        var page2 = """{"count": 6, "next": null, "results": [{"customer_id": 4}, {"customer_id": 5}, {"customer_id": 6}]}""";
        var cube = new FakeCube((request, call) => (request.RequestUri!.Query, call) switch
        {
            // The first attempt at page 1 breaks after its second record.
            ("", 0) => FakeCube.Body(new FaultyStream(page1, failAfter: page1.IndexOf("{\"customer_id\": 3", StringComparison.Ordinal))),
            ("", _) => FakeCube.Json(page1),
            _ => FakeCube.Json(page2),
        });
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new object[] { 1L, 2L, 3L, 4L, 5L, 6L }, result.Rows.Select(r => r[0]));
        Assert.Single(run.Waits);
    }

    [Fact]
    public async Task A_connection_lost_every_time_ends_with_CubeConnectionFailed_and_nothing_kept()
    {
        var json = """[{"customer_id": 1}, {"customer_id": 2}]""";
        var cube = new FakeCube((_, _) => FakeCube.Body(new FaultyStream(json, failAfter: 22)));
        var run = new DownloadRun(cube.Connect(), new RequestSettings(5, 1, 0));
        var collection = new CustomerCollection(new CustomerCollectionOptions());
        var error = await Assert.ThrowsAsync<CubeException>(() => run.Downloader().DownloadAsync(9, null, collection, CancellationToken.None));

        Assert.Equal(CubeErrorIds.ConnectionFailed, error.ErrorId);
        Assert.Equal(CubeErrorCategory.ConnectionError, error.Category);
        Assert.Equal(0, collection.Count);
        Assert.Empty(collection.PropertyNames);
        Assert.Equal(2, cube.Requests.Count);
    }

    [Fact]
    public async Task A_body_that_stalls_ends_with_CubeRequestTimeout()
    {
        var cube = new FakeCube((_, _) => FakeCube.Body(new FaultyStream("""[{"customer_id": 1}, {"customer_id": 2}]""", failAfter: 22, stall: true)));
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(1, 0, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestTimeout, error.ErrorId);
        Assert.Equal(CubeErrorCategory.OperationTimeout, error.Category);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.9, 10);
    }

    [Fact]
    public async Task A_body_that_trickles_without_ever_stalling_still_ends_at_the_timeout()
    {
        // One byte every 200 ms never leaves the connection idle for the 1 s timeout, but the whole
        // reply would take 10 s: -TimeoutSec bounds the request, not each pause.
        var json = """[{"customer_id": 1}, {"customer_id": 2}]""";
        var cube = new FakeCube((_, _) => FakeCube.Body(new TrickleStream(Encoding.UTF8.GetBytes(json), TimeSpan.FromMilliseconds(200))));
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(1, 0, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestTimeout, error.ErrorId);
        Assert.Contains("-TimeoutSec", error.Message, StringComparison.Ordinal);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.9, 4);
    }

    [Fact]
    public async Task Redirects_share_one_timeout_with_the_request()
    {
        // Each hop answers within the 1 s timeout, but four of them take 2.4 s: one request.
        var cube = new FakeCube((request, call) =>
        {
            Thread.Sleep(600);
            if (call < 4)
            {
                var redirect = new HttpResponseMessage(HttpStatusCode.Found);
                redirect.Headers.Location = new Uri(FakeCube.BaseUri + "crm/assignment_id/9/customers?hop=" + (call + 1));
                return redirect;
            }

            return FakeCube.Json("""[{"customer_id": 1}]""");
        });
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(1, 0, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestTimeout, error.ErrorId);
        Assert.Contains("over any redirects", error.Message);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.9, 2.2);
    }

    [Fact]
    public async Task A_404_under_a_base_URI_with_a_path_points_at_the_path()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("""{"detail": "Not found."}""", HttpStatusCode.NotFound));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(o => o.BaseUri = new Uri(FakeCube.BaseUri + "api/"))).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.AssignmentNotFound, error.ErrorId);
        Assert.Contains("was not found at https://acme.headshed.com/api (404", error.Message);
        Assert.StartsWith("Check the base URI first", error.RecommendedAction);
    }

    [Fact]
    public async Task Headers_that_never_come_end_with_CubeRequestTimeout()
    {
        var cube = new FakeCube((_, _) =>
        {
            Thread.Sleep(0);
            return null!;
        });
        var slow = new SlowHandler(TimeSpan.FromSeconds(30));
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => slow);
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(connection, new RequestSettings(1, 1, 0)).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.RequestTimeout, error.ErrorId);
        Assert.Equal(2, slow.Calls);
    }

    [Fact]
    public async Task Cancelling_ends_a_retry_wait_at_once()
    {
        var cube = FailingThen(HttpStatusCode.ServiceUnavailable, 100, r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(60)));
        var connection = cube.Connect();
        var downloader = new CustomerDownloader(connection, new RequestSettings(5, 3, 1), NullCubeLog.Instance);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => downloader.DownloadAsync(9, null, new CustomerCollection(new CustomerCollectionOptions()), cancel.Token));

        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0, 2);
    }

    [Fact]
    public async Task A_same_origin_redirect_is_followed_with_the_credentials()
    {
        var cube = new FakeCube((request, _) =>
        {
            if (!request.RequestUri!.AbsolutePath.EndsWith('/'))
            {
                var moved = new HttpResponseMessage(HttpStatusCode.MovedPermanently);
                moved.Headers.Location = new Uri(request.RequestUri.AbsolutePath + "/", UriKind.Relative);
                return moved;
            }

            return FakeCube.Json(OneRecord);
        });
        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Single(result.Rows);
        Assert.Equal(2, cube.Requests.Count);
        Assert.All(cube.Requests, r => Assert.Equal("Token " + FakeCube.Token, r.Authorization));
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_refused_before_any_request_goes_there()
    {
        var cube = new FakeCube((request, _) =>
        {
            var moved = new HttpResponseMessage(HttpStatusCode.Found);
            moved.Headers.Location = new Uri("https://login.example.com/sso");
            return moved;
        });
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.UnsafeRedirect, error.ErrorId);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task Verbose_shows_method_url_and_status_and_Debug_never_the_secret()
    {
        var cube = FakeCube.Serving((Route, OneRecord));
        var run = new DownloadRun(cube.Connect());
        using var result = await run.RunAsync(null, 9);

        Assert.Contains(run.Log.Messages, m => m == "VERBOSE: GET " + FakeCube.BaseUri + "crm/assignment_id/9/customers");
        Assert.Contains(run.Log.Messages, m => m.StartsWith("VERBOSE: GET", StringComparison.Ordinal) && m.Contains("answered 200 OK"));
        Assert.Contains(run.Log.Messages, m => m.StartsWith("DEBUG: Request headers", StringComparison.Ordinal) && m.Contains("Authorization: Token ***"));
        Assert.DoesNotContain(run.Log.Messages, m => m.Contains(FakeCube.Token));
    }

    /// <summary>Answers only after a long wait, honouring cancellation.</summary>
    private sealed class SlowHandler : HttpMessageHandler
    {
        private readonly TimeSpan _delay;
        private int _calls;

        public SlowHandler(TimeSpan delay) => _delay = delay;

        public int Calls => _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await Task.Delay(_delay, cancellationToken);
            return FakeCube.Json("[]");
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>A body that hands over one byte at a time with a pause before each.</summary>
    private sealed class TrickleStream : ReadOnlyBodyStream
    {
        private readonly byte[] _content;
        private readonly TimeSpan _pause;
        private int _position;

        public TrickleStream(byte[] content, TimeSpan pause)
        {
            _content = content;
            _pause = pause;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_position == _content.Length)
            {
                return 0;
            }

            await Task.Delay(_pause, cancellationToken);
            buffer[offset] = _content[_position++];
            return 1;
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    }
}
