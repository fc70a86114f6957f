using System.Net;
using System.Net.Sockets;
using System.Text;
using CubePS.Http;
using CubePS.Selection;

namespace CubePS.Client.Tests;

/// <summary>
/// Issue 17: many assignments in one call, read at once within one budget of requests per
/// connection, with the output, errors and warnings of one assignment after another; one pause
/// for every request when Cube asks for one; one error, soon, when Cube is down.
/// </summary>
public class ConcurrencyTests
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// Assignment <paramref name="id"/> as a page-number paged envelope: records id*1000+1, ...;
    /// every record has a key of its assignment's own ("x{id}"), and a key shared by every other
    /// assignment, so the column order shows the order records were kept in.
    /// </summary>
    private static HttpResponseMessage Page(int id, int page, int records, int pageSize)
    {
        var first = (page - 1) * pageSize;
        var ids = Enumerable.Range(first + 1, Math.Max(0, Math.Min(pageSize, records - first)));
        var next = first + pageSize < records ? $"\"{FakeCube.BaseUri}crm/assignment_id/{id}/customers?page={page + 1}\"" : "null";
        var shared = id % 2 == 0 ? ", \"even\": true" : string.Empty;
        var results = string.Join(",", ids.Select(i => $$"""{"customer_id": {{(id * 1000) + i}}, "x{{id}}": {{i}}{{shared}}}"""));
        return FakeCube.Json($$"""{"count": {{records}}, "next": {{next}}, "previous": null, "results": [{{results}}]}""");
    }

    private static (int Id, int Page) Parse(Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/');
        var id = int.Parse(segments[3]);
        var page = uri.Query.StartsWith("?page=", StringComparison.Ordinal) ? int.Parse(uri.Query[6..]) : 1;
        return (id, page);
    }

    /// <summary>Assignments 1..n of 1 to 3 pages each (pages of 5), later ids answering sooner.</summary>
    private static ScriptedCube ManySmall(Func<int, int, HttpResponseMessage?>? fault = null) => new((request, _) =>
    {
        var (id, page) = Parse(request.RequestUri!);
        var delay = TimeSpan.FromMilliseconds(Math.Max(1, 80 - (id * 5)));
        return (delay, fault?.Invoke(id, page) ?? Page(id, page, records: 3 + ((id * 7) % 11), pageSize: 5));
    });

    private static async Task<BatchRun> RunBatch(HttpMessageHandler handler, int throttleLimit, IReadOnlyList<int> ids, CustomerCollectionOptions? options = null, int retries = 2)
    {
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => handler);
        var run = new BatchRun(connection, new RequestSettings(5, retries, 1, throttleLimit), options);
        await run.RunAsync(ids);
        return run;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    public async Task Many_assignments_are_read_at_once_but_never_more_requests_than_the_throttle_limit(int limit)
    {
        var cube = ManySmall();
        using var run = await RunBatch(cube, limit, Enumerable.Range(1, 16).ToArray());

        Assert.Null(run.Error);
        Assert.Equal(16, run.Outcomes.Count(o => o.StartsWith("read", StringComparison.Ordinal)));
        Assert.InRange(cube.MostInFlight, 2, limit);
    }

    [Fact]
    public async Task A_throttle_limit_of_1_reads_one_request_after_another()
    {
        var cube = ManySmall();
        using var run = await RunBatch(cube, 1, Enumerable.Range(1, 6).ToArray());

        Assert.Null(run.Error);
        Assert.Equal(1, cube.MostInFlight);
    }

    [Fact]
    public async Task Calls_sharing_a_connection_stay_within_each_call_s_limit()
    {
        var cube = ManySmall();
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => cube);
        var calls = new[] { 2, 2, 4 }.Select(async limit =>
        {
            using var run = new BatchRun(connection, new RequestSettings(5, 0, 0, limit), null);
            await run.RunAsync(Enumerable.Range(1, 10).ToArray());
            return run.Error;
        });

        Assert.All(await Task.WhenAll(calls), Assert.Null);

        // A request starts only while fewer than its own call's limit are in flight, over all calls.
        Assert.InRange(cube.MostInFlight, 2, 4);
    }

    [Fact]
    public async Task Records_columns_errors_and_warnings_come_as_one_assignment_after_another_gives_them()
    {
        // Assignment 4 fails on page 2 (after page 1 was kept: it must be taken out again), 6 has
        // a key twice (a warning), 9 is not found; later ids answer sooner than earlier ones.
        HttpResponseMessage? Fault(int id, int page) => (id, page) switch
        {
            (4, 2) => FakeCube.Json("""{"detail": "Forbidden."}""", HttpStatusCode.Forbidden),
            (6, 1) => FakeCube.Json("""{"count": 2, "next": null, "results": [{"customer_id": 6001, "a": 1, "a": 2}, {"customer_id": 6002, "b": 1}]}"""),
            (9, _) => FakeCube.Json("""{"detail": "Not found."}""", HttpStatusCode.NotFound),
            _ => null,
        };
        var ids = new[] { 12, 3, 4, 6, 9, 1, 11, 2, 10, 5, 8, 7 };

        using var sequential = await RunBatch(ManySmall(Fault), 1, ids);
        using var concurrent = await RunBatch(ManySmall(Fault), 8, ids);

        Assert.Null(concurrent.Error);
        Assert.Equal(sequential.Outcomes, concurrent.Outcomes);
        Assert.Equal(sequential.Result.Names, concurrent.Result.Names);
        Assert.Equal(sequential.Result.Rows.Select(Text), concurrent.Result.Rows.Select(Text));
        Assert.Equal(sequential.Warnings, concurrent.Warnings);
        Assert.Single(concurrent.Warnings);

        // In the order of the ids given, each assignment's customers in Cube's order.
        var customerIds = concurrent.Result.Rows.Select(r => (long)r[0]!).ToArray();
        var expected = ids.Where(id => id is not 4 and not 9)
            .SelectMany(id => id == 6 ? new long[] { 6001, 6002 } : Enumerable.Range(1, 3 + ((id * 7) % 11)).Select(i => (long)((id * 1000) + i)));
        Assert.Equal(expected, customerIds);
        Assert.Equal(new[] { "read 12", "read 3", "failed 4 CubeAssignmentForbidden", "read 6", "failed 9 CubeAssignmentNotFound" }, concurrent.Outcomes.Take(5));

        static string Text(object?[] row) => string.Join("|", row);
    }

    [Fact]
    public async Task First_reads_one_assignment_after_another_and_requests_no_page_it_does_not_use()
    {
        var cube = ManySmall();
        using var run = await RunBatch(cube, 8, Enumerable.Range(1, 10).ToArray(), new CustomerCollectionOptions { First = 3 });

        Assert.Equal(3, run.Result.Rows.Count);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task Progress_says_how_many_assignments_are_done_of_all_and_the_customers_so_far()
    {
        using var run = await RunBatch(ManySmall(), 8, new[] { 1, 2, 3 });

        var last = run.Log.ProgressReports.Last();
        Assert.Equal(3, last.AssignmentsTotal);
        Assert.Equal(2, last.AssignmentsDone);
        Assert.Equal(run.Result.Rows.Count, last.CustomersSoFar);
        Assert.Equal(new[] { 0, 1, 2 }, run.Log.ProgressReports.Select(p => p.AssignmentsDone).Distinct());
    }

    [Fact]
    public async Task A_pause_Cube_asks_of_one_request_holds_every_request_to_that_Cube()
    {
        var gate = new RateGate();
        var settings = new RequestSettings(5, 2, 1);
        var waitsA = new List<TimeSpan>();
        var waitsB = new List<TimeSpan>();
        var a = new RetryLoop(settings, NullCubeLog.Instance, (wait, _) => { waitsA.Add(wait); return Task.CompletedTask; }, gate);
        var b = new RetryLoop(settings, NullCubeLog.Instance, (wait, _) => { waitsB.Add(wait); return Task.CompletedTask; }, gate);

        // A gets a 429 asking for 30 s; B, a request of another assignment, comes after it.
        var attempts = 0;
        await a.RunAsync(
            _ => ++attempts == 1
                ? throw new CubeException(CubeErrorIds.RequestFailed, CubeErrorCategory.LimitsExceeded, "429") { IsTransient = true, StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(30) }
                : Task.FromResult(1),
            CancellationToken.None);
        await b.RunAsync(_ => Task.FromResult(1), CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(waitsA));
        Assert.InRange(Assert.Single(waitsB).TotalSeconds, 25, 30);
    }

    [Fact]
    public async Task A_503_storm_pauses_every_request_and_a_404_pauses_none()
    {
        var gate = new RateGate();
        var loop = new RetryLoop(new RequestSettings(5, 1, 2), NullCubeLog.Instance, (_, _) => Task.CompletedTask, gate);
        var attempts = 0;
        await loop.RunAsync(
            _ => ++attempts == 1
                ? throw new CubeException(CubeErrorIds.RequestFailed, CubeErrorCategory.ResourceUnavailable, "503") { IsTransient = true, StatusCode = 503 }
                : Task.FromResult(1),
            CancellationToken.None);
        Assert.True(gate.Remaining > TimeSpan.FromSeconds(1), "a 503 did not pause the other requests");

        var quiet = new RateGate();
        var other = new RetryLoop(new RequestSettings(5, 1, 2), NullCubeLog.Instance, (_, _) => Task.CompletedTask, quiet);
        attempts = 0;
        await other.RunAsync(
            _ => ++attempts == 1
                ? throw new CubeException(CubeErrorIds.RequestFailed, CubeErrorCategory.ResourceUnavailable, "502") { IsTransient = true, StatusCode = 502 }
                : Task.FromResult(1),
            CancellationToken.None);
        Assert.Equal(TimeSpan.Zero, quiet.Remaining);
    }

    [Fact]
    public async Task When_Cube_asks_for_a_longer_pause_than_CubePS_waits_nothing_more_is_asked_of_it()
    {
        // Assignment 2, read ahead, gets a 429 asking for an hour while 1 and 3 are still coming.
        var cube = new ScriptedCube((request, _) =>
        {
            var (id, page) = Parse(request.RequestUri!);
            if (id == 2)
            {
                var refused = FakeCube.Json("""{"detail": "Slow down."}""", (HttpStatusCode)429);
                refused.Headers.TryAddWithoutValidation("Retry-After", "3600");
                return (TimeSpan.FromMilliseconds(5), refused);
            }

            return (TimeSpan.FromMilliseconds(id == 1 ? 300 : 150), Page(id, page, records: 3, pageSize: 5));
        });
        using var run = await RunBatch(cube, 3, Enumerable.Range(1, 10).ToArray());

        Assert.Equal(new[] { "read 1", "failed 2 CubeRateLimited" }, run.Outcomes.Take(2));
        Assert.All(run.Outcomes.Skip(2), o => Assert.StartsWith("failed", o, StringComparison.Ordinal));
        Assert.Contains("asks it nothing more", run.Errors[1].Message);

        // Only what was under way when the answer came: assignment 2 in its turn and the two read
        // ahead with it (-ThrottleLimit 3), asked at the same moment; nothing after them.
        Assert.All(cube.Requests, u => Assert.InRange(Parse(u).Id, 1, 4));
    }

    [Fact]
    public async Task Nothing_is_read_ahead_until_Cube_has_accepted_the_call_s_credentials()
    {
        // A wrong password: every request is refused. One request carries it, not one per chain.
        var cube = new ScriptedCube((_, _) => (TimeSpan.FromMilliseconds(20), FakeCube.Json("""{"detail": "Invalid token."}""", HttpStatusCode.Unauthorized)));
        using var refused = await RunBatch(cube, 8, Enumerable.Range(1, 20).ToArray());
        Assert.Equal(CubeErrorIds.AuthenticationFailed, Assert.IsType<CubeException>(refused.Error).ErrorId);
        Assert.Single(cube.Requests);

        // Once Cube has answered, the call reads ahead as before.
        var good = ManySmall();
        using var accepted = await RunBatch(good, 8, Enumerable.Range(1, 20).ToArray());
        Assert.Null(accepted.Error);
        Assert.True(good.MostInFlight > 1, "nothing was read ahead after Cube accepted the credentials");
    }

    [Fact]
    public async Task Once_Cube_asks_for_a_longer_pause_than_CubePS_waits_no_request_of_the_connection_is_sent_before_then()
    {
        // Assignment 1 has 20 pages; assignment 3, read ahead, gets a 429 asking for an hour.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long refusedAt = long.MaxValue;
        var late = new List<Uri>();
        var cube = new ScriptedCube((request, _) =>
        {
            var (id, page) = Parse(request.RequestUri!);
            var answered = Interlocked.Read(ref refusedAt);
            if (answered != long.MaxValue && clock.ElapsedMilliseconds > answered + 50)
            {
                lock (late)
                {
                    late.Add(request.RequestUri!);
                }
            }

            if (id == 3)
            {
                Interlocked.Exchange(ref refusedAt, clock.ElapsedMilliseconds + 5);
                var refused = FakeCube.Json("""{"detail": "Slow down."}""", (HttpStatusCode)429);
                refused.Headers.TryAddWithoutValidation("Retry-After", "3600");
                return (TimeSpan.FromMilliseconds(5), refused);
            }

            return (TimeSpan.FromMilliseconds(20), Page(id, page, records: id == 1 ? 200 : 3, pageSize: 10));
        });
        using var run = await RunBatch(cube, 8, Enumerable.Range(1, 10).ToArray());

        Assert.Empty(late);
        Assert.All(run.Errors, e => Assert.Equal(CubeErrorIds.RateLimited, e.ErrorId));
        Assert.StartsWith("failed 1 CubeRateLimited", run.Outcomes[0], StringComparison.Ordinal);
        Assert.Contains("was not sent", run.Errors[0].Message);
    }

    [Fact]
    public async Task Assignments_that_fail_while_others_are_answered_do_not_stop_the_call()
    {
        // Assignments 5, 6 and 7 always fail with 500; every other one answers at once.
        var cube = ManySmall((id, _) => id is 5 or 6 or 7 ? FakeCube.Json("""{"detail": "boom"}""", HttpStatusCode.InternalServerError) : null);
        using var run = await RunBatch(cube, 8, Enumerable.Range(1, 30).ToArray(), retries: 1);

        Assert.Null(run.Error);
        Assert.Equal(27, run.Outcomes.Count(o => o.StartsWith("read", StringComparison.Ordinal)));
        Assert.Equal(new[] { "failed 5 CubeRequestFailed", "failed 6 CubeRequestFailed", "failed 7 CubeRequestFailed" }, run.Outcomes.Where(o => o.StartsWith("failed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task When_Cube_refuses_every_connection_the_call_stops_after_three_assignments_with_one_error_naming_the_rest()
    {
        var handler = new RefusingHandler();
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => handler);
        using var run = new BatchRun(connection, new RequestSettings(5, 2, 1, throttleLimit: 1), null);
        await run.RunAsync(Enumerable.Range(1, 8).ToArray());

        var error = Assert.IsType<CubeException>(run.Error);
        Assert.Equal(CubeErrorIds.Unavailable, error.ErrorId);
        Assert.Equal(new[] { 4, 5, 6, 7, 8 }, Assert.IsType<int[]>(error.TargetObject));
        Assert.Contains("assignments 1, 2, 3 failed one after another for the same reason (CubeConnectionFailed)", error.Message);
        Assert.Contains("the 5 assignments left: 4, 5, 6, 7, 8", error.Message);
        Assert.Equal(new[] { "failed 1 CubeConnectionFailed", "failed 2 CubeConnectionFailed", "failed 3 CubeConnectionFailed" }, run.Outcomes);

        // One assignment's retries (three attempts, two waits), then one attempt each for 2 and 3.
        Assert.Equal(5, handler.Calls);
        Assert.Equal(2, run.Waits.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task When_Cube_goes_down_part_way_the_assignments_read_before_are_kept_whole(int limit)
    {
        // Assignments 1 to 4 answer; from 5 on, Cube answers 503 to everything.
        var cube = new ScriptedCube((request, _) =>
        {
            var (id, page) = Parse(request.RequestUri!);
            return id <= 4
                ? (TimeSpan.FromMilliseconds(1), Page(id, page, records: 7, pageSize: 5))
                : (TimeSpan.FromMilliseconds(30), FakeCube.Json("""{"detail": "down"}""", HttpStatusCode.ServiceUnavailable));
        });
        using var run = await RunBatch(cube, limit, Enumerable.Range(1, 40).ToArray(), retries: 1);

        // Read ahead, 5 to 8 were asked while 2 to 4 were still being answered: their failures
        // may not count toward the outage, so how many fail before the call stops varies.
        var error = Assert.IsType<CubeException>(run.Error);
        Assert.Equal(CubeErrorIds.Unavailable, error.ErrorId);
        Assert.Equal(new[] { "read 1", "read 2", "read 3", "read 4" }, run.Outcomes.Take(4));
        Assert.All(run.Outcomes.Skip(4), o => Assert.EndsWith(" CubeRequestFailed", o, StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(run.Outcomes.Count + 1, 40 - run.Outcomes.Count), Assert.IsType<int[]>(error.TargetObject));
        Assert.InRange(run.Outcomes.Count, 7, 4 + 12);

        // What was read is in the collection, whole, for the caller to write before the error.
        Assert.Equal(28, run.Result.Rows.Count);
        Assert.False(run.Batch!.AllRead);
    }

    [Fact]
    public async Task When_Cube_is_down_reading_at_once_fails_all_together_as_soon_as_one_assignment_s_retries_end()
    {
        var handler = new RefusingHandler();
        var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => handler);
        using var run = new BatchRun(connection, new RequestSettings(5, 2, 1, throttleLimit: 4), null);
        await run.RunAsync(Enumerable.Range(1, 20).ToArray());

        var error = Assert.IsType<CubeException>(run.Error);
        Assert.Equal(CubeErrorIds.Unavailable, error.ErrorId);
        Assert.Equal(Enumerable.Range(4, 17), Assert.IsType<int[]>(error.TargetObject));

        // The assignments read ahead retried at the same time as the first, not after it: no
        // more than the three chains ahead and the first, each with its attempts.
        Assert.InRange(handler.Calls, 5, 4 * 3);
    }

    [Fact]
    public async Task Failures_for_different_reasons_or_a_success_between_them_do_not_stop_the_call()
    {
        var breaker = new OutageBreaker();
        CubeException Failure(string id, int? status = null) => new(id, CubeErrorCategory.ConnectionError, id, 1) { StatusCode = status };

        Assert.False(breaker.Failed(Failure(CubeErrorIds.ConnectionFailed)));
        Assert.False(breaker.Failed(Failure(CubeErrorIds.ConnectionFailed)));
        Assert.False(breaker.Failed(Failure(CubeErrorIds.RequestFailed, 503)));
        Assert.False(breaker.Failed(Failure(CubeErrorIds.RequestFailed, 503)));
        breaker.Succeeded();
        Assert.False(breaker.IsSuspicious);
        Assert.False(breaker.Failed(Failure(CubeErrorIds.RequestTimeout)));
        Assert.False(breaker.Failed(Failure(CubeErrorIds.AssignmentNotFound)));
        Assert.False(breaker.Failed(Failure(CubeErrorIds.RequestTimeout)));
        Assert.False(breaker.Failed(Failure(CubeErrorIds.RequestTimeout)));
        Assert.True(breaker.Failed(Failure(CubeErrorIds.RequestTimeout)));

        // A 404 or 403 is about one assignment, not about Cube.
        Assert.False(OutageBreaker.IsUnavailability(Failure(CubeErrorIds.RequestFailed, 404)));
        Assert.True(OutageBreaker.IsUnavailability(Failure(CubeErrorIds.RequestFailed, 502)));

        // 429 after every retry: Cube keeps refusing, as unavailable as a 503 (review of issue 17, item 6).
        Assert.True(OutageBreaker.IsUnavailability(Failure(CubeErrorIds.RequestFailed, 429)));

        // A success of any request since the first failure of the streak began: Cube is up.
        var answered = new OutageBreaker();
        Assert.False(answered.Failed(Failure(CubeErrorIds.RequestFailed, 500), answered.Answers));
        answered.Answered();
        Assert.False(answered.Failed(Failure(CubeErrorIds.RequestFailed, 500), answered.Answers));
        Assert.False(answered.Failed(Failure(CubeErrorIds.RequestFailed, 500), answered.Answers));
        Assert.True(answered.Failed(Failure(CubeErrorIds.RequestFailed, 500), answered.Answers));
    }

    /// <summary>Refuses every connection, as a Cube that is down does.</summary>
    private sealed class RefusingHandler : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            throw new HttpRequestException("Connection refused (acme.headshed.com:443)", new SocketException((int)SocketError.ConnectionRefused));
        }
    }
}

/// <summary>Runs a call's assignments the way Get-CubeCustomer does, with retry waits recorded instead of slept.</summary>
internal sealed class BatchRun : IDisposable
{
    private readonly Connection _connection;
    private readonly RequestSettings _settings;
    private readonly CustomerCollectionOptions? _options;

    public BatchRun(Connection connection, RequestSettings settings, CustomerCollectionOptions? options)
    {
        _connection = connection;
        _settings = settings;
        _options = options;
    }

    public RecordingLog Log { get; } = new();

    public List<TimeSpan> Waits { get; } = new();

    /// <summary>"read 5" or "failed 5 CubeAssignmentNotFound", in the order reported.</summary>
    public List<string> Outcomes { get; } = new();

    /// <summary>The errors reported for single assignments, in order.</summary>
    public List<CubeException> Errors { get; } = new();

    public IEnumerable<string> Warnings => Log.Messages.Where(m => m.StartsWith("WARNING:", StringComparison.Ordinal));

    public Exception? Error { get; private set; }

    public DownloadRun.Result Result { get; private set; } = null!;

    public AssignmentBatch? Batch { get; private set; }

    public async Task RunAsync(IReadOnlyList<int> ids, Func<AssignmentBatch, Task>? whileRunning = null)
    {
        var collection = new CustomerCollection(_options ?? new CustomerCollectionOptions());
        Batch = new AssignmentBatch(_connection, _settings, Log, (wait, _) =>
        {
            lock (Waits)
            {
                Waits.Add(wait);
            }

            return Task.CompletedTask;
        });
        try
        {
            await Batch.RunAsync(ids, _ => null, collection, new Recorder(Outcomes, Errors), CancellationToken.None);
            Error = Batch.Unavailable;
        }
        catch (Exception e)
        {
            Error = e;
        }

        Result = new DownloadRun.Result(collection);
    }

    public void Dispose() => Result?.Dispose();

    private sealed class Recorder : IAssignmentOutcomes
    {
        private readonly List<string> _outcomes;
        private readonly List<CubeException> _errors;

        public Recorder(List<string> outcomes, List<CubeException> errors)
        {
            _outcomes = outcomes;
            _errors = errors;
        }

        public void Read(int assignmentId, DownloadResult result) => _outcomes.Add("read " + assignmentId);

        public void Failed(CubeException error)
        {
            _outcomes.Add("failed " + error.TargetObject + " " + error.ErrorId);
            _errors.Add(error);
        }
    }
}

/// <summary>A Cube whose every reply comes after a delay the test chooses; counts requests in flight and the bytes each reply gave.</summary>
internal sealed class ScriptedCube : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, int, (TimeSpan Delay, HttpResponseMessage Response)> _respond;
    private int _calls;
    private int _inFlight;
    private int _mostInFlight;

    public ScriptedCube(Func<HttpRequestMessage, int, (TimeSpan Delay, HttpResponseMessage Response)> respond) => _respond = respond;

    public int MostInFlight => _mostInFlight;

    public List<Uri> Requests { get; } = new();

    /// <summary>Per request, in order: its URI and the bytes its body gave (read so far).</summary>
    public List<(Uri Uri, CountingBody Body)> Bodies { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _mostInFlight)) && Interlocked.CompareExchange(ref _mostInFlight, now, seen) != seen)
        {
        }

        try
        {
            lock (Requests)
            {
                Requests.Add(request.RequestUri!);
            }

            var (delay, response) = _respond(request, Interlocked.Increment(ref _calls) - 1);
            await Task.Delay(delay, cancellationToken);
            var body = new CountingBody(await response.Content.ReadAsStreamAsync(cancellationToken));
            var content = new StreamContent(body);
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
            response.RequestMessage = request;
            lock (Requests)
            {
                Bodies.Add((request.RequestUri!, body));
            }

            return response;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    protected override void Dispose(bool disposing)
    {
        // The test owns it.
    }
}

/// <summary>A body that counts the bytes read from it.</summary>
internal sealed class CountingBody : ReadOnlyBodyStream
{
    private readonly Stream _inner;
    private long _read;

    public CountingBody(Stream inner) => _inner = inner;

    public long BytesRead => Interlocked.Read(ref _read);

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = _inner.Read(buffer, offset, count);
        Interlocked.Add(ref _read, n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Review of issues 17/18, item 3: a buffer grown for a huge record (a rejected bomb) is not cached for the process's life.</summary>
public class PageBufferPoolTests
{
    [Fact]
    public void A_buffer_grown_past_a_megabyte_goes_to_the_collector_not_the_shared_pool()
    {
        var big = CubePS.Pages.PageReader.RentBuffer(CubePS.Pages.PageReader.MaximumBufferSize);
        CubePS.Pages.PageReader.ReturnBuffer(big);
        var again = System.Buffers.ArrayPool<byte>.Shared.Rent(CubePS.Pages.PageReader.MaximumBufferSize);
        Assert.NotSame(big, again);

        // A small one is reused as before.
        var small = CubePS.Pages.PageReader.RentBuffer(64 * 1024);
        CubePS.Pages.PageReader.ReturnBuffer(small);
        Assert.Same(small, System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024));
    }
}
