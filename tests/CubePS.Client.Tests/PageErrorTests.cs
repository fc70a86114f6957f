using System.Text;

namespace CubePS.Client.Tests;

/// <summary>
/// Issue 19: an unreadable page's error says where the fault is (a path of keys, a byte position),
/// never a value of a record; the reply's text is kept only when it is not a page of customers.
/// </summary>
public class PageErrorTests
{
    private const string Private = "+4791234567";

    private static string Records(string third) =>
        "[{\"customer_id\": 1, \"name\": \"Kari Nordmann\", \"phone_1\": \"" + Private + "\", \"email\": \"kari@example.no\", \"birth_date\": \"1961-04-02\"},"
        + " {\"customer_id\": 2, \"name\": \"Ola Nordmann\", \"phone_1\": \"+4799887766\", \"email\": \"ola@example.no\"},"
        + " " + third + "]";

    [Theory]
    [InlineData("{\"customer_id\": 3, \"active\": tru, \"zip_code\": \"0150\"}", "path '[2].active'")]
    [InlineData("{\"customer_id\": 3, \"zip_code\": 0150}", "path '[2].zip_code'")]
    [InlineData("{\"customer_id\": 3, \"more_info_fields\": {\"kilde\": \"Messe\", \"liste\": [1, 2, x]}}", "path '[2].more_info_fields.liste[2]'")]
    public async Task A_malformed_value_is_named_by_its_path_and_no_value_of_a_record_is_shown(string third, string path)
    {
        var cube = new FakeCube((_, _) => FakeCube.Json(Records(third)));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("near byte", error.Message, StringComparison.Ordinal);
        AssertNoCustomerData(error);
    }

    [Fact]
    public async Task The_same_fault_in_a_paged_envelope_is_named_under_results()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("{\"count\": 3, \"next\": null, \"results\": " + Records("{\"customer_id\": 3, \"active\": fals}") + "}"));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Contains("path 'results[2].active'", error.Message, StringComparison.Ordinal);
        AssertNoCustomerData(error);
    }

    [Fact]
    public async Task A_page_cut_short_shows_none_of_its_records()
    {
        var page = Records("{\"customer_id\": 3, \"name\": \"Per\"}");
        var cube = new FakeCube((_, _) => FakeCube.Body(new MemoryStream(Encoding.UTF8.GetBytes(page.Substring(0, page.Length - 30)))));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(o => o.RequestSettings = o.RequestSettings.With(maximumRetryCount: 0))).RunAsync(null, 9));

        Assert.Contains("cut short", error.Message, StringComparison.Ordinal);
        AssertNoCustomerData(error);
    }

    [Fact]
    public async Task A_reply_that_is_no_page_of_customers_keeps_its_excerpt()
    {
        var cube = new FakeCube((_, _) => new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("<html><body>Service is down for maintenance</body></html>", Encoding.UTF8, "text/html") });
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Contains("Service is down for maintenance", error.ResponseText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"count\": 6, \"next\": null, \"results\": {\"customer_id\": 1, \"name\": \"Kari Nordmann\", \"phone_1\": \"" + Private + "\"}}", "'results' is")]
    [InlineData("{\"customer_id\": 1, \"name\": \"Kari Nordmann\", \"phone_1\": \"" + Private + "\"}", "without a 'results' list")]
    [InlineData("\"Kari Nordmann " + Private + "\"", "not a list of customer records")]
    public async Task A_200_reply_that_is_json_in_another_shape_is_never_quoted(string reply, string said)
    {
        // Review of issue 19, finding 4: a single record as 'results' was shown in ErrorDetails.
        var cube = new FakeCube((_, _) => FakeCube.Json(reply));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Contains(said, error.Message, StringComparison.Ordinal);
        AssertNoCustomerData(error);
    }

    [Theory]
    [InlineData("{\"customer_id\": 3, \"active\": tru, \"name\": \"Per\"}")]
    [InlineData("{\"customer_id\": 3, \"zip_code\": 0150}")]
    public async Task No_exception_inside_the_error_quotes_the_reply(string third)
    {
        // Review of issue 19, finding 3: the parser's JsonException, kept as the inner exception,
        // quoted ~700 characters of the page; Get-Error prints it into transcripts.
        var cube = new FakeCube((_, _) => FakeCube.Json(Records(third)));
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        AssertNoCustomerData(error);
        for (Exception? inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            foreach (var value in new[] { "Kari", Private, "kari@example.no", "1961-04-02", "Ola", "+4799887766", "0150", "tru", "Per" })
            {
                Assert.DoesNotContain(value, inner.Message + inner, StringComparison.Ordinal);
            }
        }
    }

    private static void AssertNoCustomerData(CubeException error)
    {
        var shown = error.Message + "\n" + error.ResponseText + "\n" + error.RecommendedAction;
        foreach (var value in new[] { "Kari", Private, "kari@example.no", "1961-04-02", "Ola", "+4799887766", "0150", "Messe", "tru", "fals", "Per" })
        {
            Assert.DoesNotContain(value, shown, StringComparison.Ordinal);
        }

        Assert.True(string.IsNullOrEmpty(error.ResponseText), "a page of customers is not quoted: " + error.ResponseText);
    }
}
