using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CubePS.Storage;
using Xunit.Abstractions;

namespace CubePS.Client.Tests;

/// <summary>
/// Issue 18.1: everything held ahead of its turn (pages fetched ahead, the assignments read ahead)
/// is one budget, counted in inflated bytes while it arrives; a page beyond it is read as it
/// arrives, under the same limits as page 1. Each test prints the peak the budget saw.
/// </summary>
public class ReadAheadBudgetTests
{
    private const long MB = 1024 * 1024;
    private readonly ITestOutputHelper _output;

    public ReadAheadBudgetTests(ITestOutputHelper output) => _output = output;

    private static string PageUri(int id, int page) => $"{FakeCube.BaseUri}crm/assignment_id/{id}/customers?page={page}";

    /// <summary>An envelope page whose records come after <paramref name="padding"/> bytes of white space (a bomb once inflated).</summary>
    private static HttpResponseMessage Padded(string? next, long padding, string records, long count, string contentType = "application/json")
    {
        var head = $$"""{"count": {{count}}, "next": {{(next is null ? "null" : "\"" + next + "\"")}}, "results": [""";
        var content = new StreamContent(new PaddedStream(head, (byte)' ', padding, records, (byte)' ', 0, "]}"));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static Connection Connect(HttpMessageHandler handler) =>
        Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure(FakeCube.Token) }, () => handler);

    private static (DownloadRun Run, CustomerDownloader Downloader) Downloader(HttpMessageHandler handler, ReadAheadBudget budget)
    {
        var run = new DownloadRun(Connect(handler), new RequestSettings(30, 0, 0));
        var downloader = run.Downloader();
        downloader.Budget = budget;
        return (run, downloader);
    }

    /// <summary>Bytes the request for <paramref name="page"/> that read the least of it gave: a fetch ahead that was let go.</summary>
    private static long LeastRead(ScriptedCube cube, int page) =>
        cube.Bodies.Where(b => b.Uri.Query == "?page=" + page).Min(b => b.Body.BytesRead);

    private void Report(string scenario, ReadAheadBudget budget) =>
        _output.WriteLine("{0}: pages held ahead peaked at {1:N1} MB (budget {2:N0} MB)", scenario, budget.Peak / (double)MB, budget.Limit / (double)MB);

    [Fact]
    public async Task A_white_space_bomb_as_page_2_is_read_as_it_arrives_never_held_whole()
    {
        // Page 2 is 1 GB of white space around its record, as a gzip bomb gives once inflated.
        var cube = new ScriptedCube((request, _) => (TimeSpan.Zero, request.RequestUri!.Query switch
        {
            "?page=2" => Padded(null, 1024 * MB, """{"customer_id": 2}""", 2),
            _ => Padded(PageUri(9, 2), 0, """{"customer_id": 1}""", 2),
        }));
        var budget = new ReadAheadBudget();
        var (run, downloader) = Downloader(cube, budget);
        using var collection = new CustomerCollection(new CustomerCollectionOptions());

        await downloader.DownloadAsync(9, null, collection, CancellationToken.None);

        Assert.Equal(2, collection.Count);
        Report("1 GB of white space on page 2", budget);
        Assert.InRange(budget.Peak, 1, budget.Limit);

        // Page 2 was fetched ahead, let go at the budget, and read again as it arrived.
        Assert.Equal(2, cube.Bodies.Count(b => b.Uri.Query == "?page=2"));
        Assert.InRange(LeastRead(cube, 2), 1, budget.Limit + (2 * SegmentedBuffer.SegmentSize));
        Assert.Contains(run.Log.Messages, m => m.Contains("page 2") && m.Contains("read as it arrives"));
    }

    [Fact]
    public async Task Four_big_pages_fetched_ahead_at_once_share_one_budget()
    {
        // Predictable links and a count: pages 2 to 5 are fetched ahead together, 20 MB each.
        var cube = new ScriptedCube((request, _) =>
        {
            var page = request.RequestUri!.Query.Length == 0 ? 1 : int.Parse(request.RequestUri.Query[6..]);
            return (TimeSpan.FromMilliseconds(20), Padded(page < 5 ? PageUri(9, page + 1) : null, page == 1 ? 0 : 20 * MB, $$"""{"customer_id": {{page}}}""", 5));
        });
        var budget = new ReadAheadBudget();
        var (_, downloader) = Downloader(cube, budget);
        using var collection = new CustomerCollection(new CustomerCollectionOptions());

        await downloader.DownloadAsync(9, null, collection, CancellationToken.None);

        Assert.Equal(5, collection.Count);
        Report("four 20 MB pages ahead", budget);
        Assert.InRange(budget.Peak, 1, budget.Limit);
    }

    [Fact]
    public async Task A_record_past_the_record_bound_on_page_2_is_refused_as_on_page_1()
    {
        // A 70 MB string: page 1 refuses it within the 64 MB a record may take; page 2 must too.
        var cube = new ScriptedCube((request, _) => (TimeSpan.Zero, request.RequestUri!.Query switch
        {
            "?page=2" => new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StreamContent(new PaddedStream("{\"count\": 2, \"next\": null, \"results\": [{\"customer_id\": 2, \"name\": \"", (byte)'x', 70 * MB, string.Empty, (byte)' ', 0, "\"}]}")),
            },
            _ => Padded(PageUri(9, 2), 0, """{"customer_id": 1}""", 2),
        }));
        var budget = new ReadAheadBudget();
        var (_, downloader) = Downloader(cube, budget);
        using var collection = new CustomerCollection(new CustomerCollectionOptions());

        var error = await Assert.ThrowsAsync<CubeException>(() => downloader.DownloadAsync(9, null, collection, CancellationToken.None));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("larger than 64 MB", error.Message);
        Assert.Contains("page 2", error.Message);
        Assert.Equal(0, collection.Count);
        Report("a 70 MB string on page 2", budget);
        Assert.InRange(budget.Peak, 0, budget.Limit);
    }

    [Fact]
    public async Task Assignments_read_ahead_share_the_one_budget_with_the_pages_of_each()
    {
        // Twelve assignments whose one page is 6 MB each: 72 MB in all against a 32 MB budget.
        var cube = new ScriptedCube((request, _) =>
        {
            var id = int.Parse(request.RequestUri!.AbsolutePath.Split('/')[3]);
            return (TimeSpan.FromMilliseconds(20), Padded(null, 6 * MB, $$"""{"customer_id": {{id}}}""", 1));
        });
        var ids = Enumerable.Range(1, 12).ToArray();
        using var run = new BatchRun(Connect(cube), new RequestSettings(30, 0, 0, 8), null);

        await run.RunAsync(ids);

        Assert.Null(run.Error);
        Assert.Equal(ids.Select(id => (object)(long)id), run.Result.Rows.Select(r => r[0]));
        Report("twelve 6 MB assignments read ahead", run.Batch!.Budget);
        Assert.InRange(run.Batch.Budget.Peak, 6 * MB, run.Batch.Budget.Limit);
    }

    [Fact]
    public async Task The_window_follows_the_largest_page_not_page_1_alone()
    {
        // Page 1 is small; pages 2 to 20 are 12 MB each: once page 2 is read, the window is two
        // pages (24 MB fit the 32 MB budget), so pages are fetched ahead only to be let go in the
        // first steps (sized from page 1, nothing else is known yet), not all along.
        var cube = new ScriptedCube((request, _) =>
        {
            var page = request.RequestUri!.Query.Length == 0 ? 1 : int.Parse(request.RequestUri.Query[6..]);
            return (TimeSpan.FromMilliseconds(10), Padded(page < 20 ? PageUri(9, page + 1) : null, page == 1 ? 0 : 12 * MB, $$"""{"customer_id": {{page}}}""", 20));
        });
        var budget = new ReadAheadBudget();
        var (_, downloader) = Downloader(cube, budget);
        using var collection = new CustomerCollection(new CustomerCollectionOptions());

        await downloader.DownloadAsync(9, null, collection, CancellationToken.None);

        Assert.Equal(20, collection.Count);
        var requestedTwice = cube.Bodies.GroupBy(b => b.Uri.Query).Count(g => g.Count() > 1);
        _output.WriteLine("pages requested twice: {0}", requestedTwice);
        Assert.InRange(requestedTwice, 0, CustomerDownloader.MaximumPagesAhead);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_login_page_on_a_page_fetched_ahead_is_named_a_web_page_as_on_page_1(bool asAnotherAssignment)
    {
        const string Html = "<!DOCTYPE html><html><body><form action=\"/login\">Sign in</form></body></html>";
        HttpResponseMessage Login() => new(HttpStatusCode.OK) { Content = new StringContent(Html, Encoding.UTF8, "text/html") };
        var cube = new ScriptedCube((request, _) =>
        {
            var id = int.Parse(request.RequestUri!.AbsolutePath.Split('/')[3]);
            var page2 = request.RequestUri.Query == "?page=2";
            return (TimeSpan.FromMilliseconds(20), (asAnotherAssignment ? id == 2 : page2) ? Login() : Padded(page2 || asAnotherAssignment ? null : PageUri(id, 2), 0, $$"""{"customer_id": {{id}}}""", 2));
        });
        using var run = new BatchRun(Connect(cube), new RequestSettings(30, 0, 0, 8), null);

        await run.RunAsync(asAnotherAssignment ? new[] { 1, 2 } : new[] { 1 });

        var failure = Assert.Single(run.Outcomes, o => o.StartsWith("failed", StringComparison.Ordinal));
        Assert.Equal(asAnotherAssignment ? "failed 2 CubeInvalidResponse" : "failed 1 CubeInvalidResponse", failure);

        // The page was fetched ahead of its turn, and kept its reply's content type for the message.
        Assert.Contains("a web page: perhaps a login page", Assert.Single(run.Errors).Message);
    }
}
