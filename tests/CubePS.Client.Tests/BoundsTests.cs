using System.Numerics;
using System.Text;
using CubePS.Errors;
using CubePS.Records;

namespace CubePS.Client.Tests;

/// <summary>
/// Every quantity a server controls has one bound: text kept for the whole call (keys, ids),
/// integers whose conversion would not end, and the server's text in messages and warnings.
/// </summary>
public class BoundsTests
{
    private const string Route = "/crm/assignment_id/9/customers";

    /// <summary>The longest message, warning or ErrorDetails any of these cases may give: the trimmed quotes and CubePS's own words.</summary>
    private const int LongestMessage = 2000;

    private static async Task<CubeException> FailsAsync(FakeCube cube)
    {
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect(), new RequestSettings(5, 0, 0)).RunAsync(null, 9));
        Assert.InRange(error.Message.Length, 1, LongestMessage);
        Assert.InRange(error.ResponseText?.Length ?? 0, 0, LongestMessage);
        return error;
    }

    [Fact]
    public async Task A_customer_id_longer_than_the_limit_is_an_invalid_response_that_names_the_limit()
    {
        var id = new string('7', 5 * 1024 * 1024 + 1) + "x";
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1}, {"customer_id": "{{id}}"}, {"customer_id": "{{id}}"}]"""));

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("Record 2 of the page: its customer_id", error.Message);
        Assert.Contains("512 bytes", error.Message);
        Assert.Contains("(5,242,882 bytes in all)", error.Message);
    }

    [Fact]
    public async Task A_number_as_customer_id_longer_than_the_limit_is_refused_too()
    {
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": {{new string('9', 600)}}}]"""));

        var error = await FailsAsync(cube);

        Assert.Contains("its customer_id", error.Message);
        Assert.Contains("512 bytes", error.Message);
    }

    [Fact]
    public async Task Text_customer_ids_up_to_the_limit_are_told_apart_and_a_repeated_one_dropped()
    {
        var a = new string('a', RecordLimits.MaximumCustomerIdBytes);
        var b = new string('a', RecordLimits.MaximumCustomerIdBytes - 1) + "b";
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": "{{a}}", "n": 1}, {"customer_id": "{{b}}", "n": 2}, {"customer_id": "{{a}}", "n": 3}]"""));
        var run = new DownloadRun(cube.Connect());

        using var result = await run.RunAsync(null, 9);

        Assert.Equal(new object?[] { a, b }, result.Rows.Select(row => row[0]));
        var warning = Assert.Single(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal));
        Assert.Contains("came twice", warning);

        // The id is named, trimmed, with its length.
        Assert.Contains("(512 characters in all)", warning);
        Assert.InRange(warning.Length, 1, LongestMessage);
    }

    [Fact]
    public async Task A_key_longer_than_the_limit_is_an_invalid_response_that_names_the_limit()
    {
        var key = new string('k', 1024 * 1024);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "{{key}}": 1}]"""));

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("a key ('kkkk", error.Message);
        Assert.Contains("1,024 bytes", error.Message);
        Assert.Contains("(1,048,576 bytes in all)", error.Message);
    }

    [Fact]
    public async Task An_escaped_key_longer_than_the_limit_is_refused_too()
    {
        var key = string.Concat(Enumerable.Repeat("\\u00e6", 600));
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "{{key}}": 1}]"""));

        var error = await FailsAsync(cube);

        Assert.Contains("1,024 bytes", error.Message);
        Assert.Contains("(1,200 bytes in all)", error.Message);
    }

    [Fact]
    public async Task A_key_at_the_limit_is_a_property()
    {
        var key = new string('k', RecordLimits.MaximumKeyBytes);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "{{key}}": 1}]"""));

        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(1L, result.Value(0, key));
    }

    [Fact]
    public async Task More_different_keys_than_the_limit_is_an_invalid_response()
    {
        var keys = Enumerable.Range(1, RecordLimits.MaximumKeys + 1).Select(i => $"\"k{i}\": 1");
        var cube = FakeCube.Serving((Route, "[{" + string.Join(", ", keys) + "}]"));

        var error = await FailsAsync(cube);

        Assert.Contains("key number 16,385", error.Message);
        Assert.Contains("at most 16,384 different keys", error.Message);
    }

    [Fact]
    public async Task Keys_equal_but_for_case_of_five_megabytes_give_warnings_and_errors_of_bounded_length()
    {
        // Twice the same over-long key, and two that differ only in case: one short error.
        var key = new string('K', 5 * 1024 * 1024);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "{{key}}": 1, "{{key.ToLowerInvariant()}}": 2, "{{key}}": 3}]"""));

        var error = await FailsAsync(cube);

        Assert.Contains("1,024 bytes", error.Message);
    }

    [Fact]
    public async Task A_repeated_key_and_a_renamed_one_are_quoted_trimmed_in_warnings()
    {
        var key = new string('R', RecordLimits.MaximumKeyBytes);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "{{key}}": 1, "{{key}}": 2}]"""));
        var run = new DownloadRun(cube.Connect());

        using var result = await run.RunAsync(null, 9);

        var warning = Assert.Single(run.Log.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal));
        Assert.Contains("a key more than once", warning);
        Assert.Contains("(1,024 characters in all)", warning);
        Assert.InRange(warning.Length, 1, 600);
    }

    [Fact]
    public async Task An_integer_past_ConvertFrom_Json_s_limit_stays_the_text_Cube_sent()
    {
        // 1,500,000 digits: as a BigInteger, its conversion to text would take minutes.
        var digits = "1" + new string('0', 1_499_999);
        var cube = FakeCube.Serving((Route, $$"""[{"customer_id": 1, "huge": {{digits}}, "negative": -{{digits}}}]"""));

        using var result = await new DownloadRun(cube.Connect()).RunAsync(null, 9);

        Assert.Equal(digits, result.Value(0, "huge"));
        Assert.Equal("-" + digits, result.Value(0, "negative"));
    }

    [Theory]
    [InlineData(380, true)]
    [InlineData(381, false)]
    public void ConvertFrom_Json_s_own_limit_decides_between_a_number_and_its_text(int characters, bool isNumber)
    {
        var digits = "-" + new string('9', characters - 1);

        var value = JsonNumber.ToValue(Encoding.ASCII.GetBytes(digits));

        if (isNumber)
        {
            Assert.Equal(BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), Assert.IsType<BigInteger>(value));
        }
        else
        {
            Assert.Equal(digits, Assert.IsType<string>(value));
        }
    }

    [Theory]
    [InlineData(10, "0123456789")]
    [InlineData(205, "(205 characters in all)")]
    public void Server_text_is_quoted_whole_when_short_and_trimmed_with_its_length_when_long(int length, string expected)
    {
        var text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('0' + (i % 10))));

        var quoted = ServerText.Quote(text);

        Assert.EndsWith(expected, quoted);
        Assert.InRange(quoted.Length, 1, ServerText.MaximumQuoted + 40);
    }

    [Fact]
    public void A_quote_never_ends_in_half_a_character()
    {
        var emoji = string.Concat(Enumerable.Repeat("😀", 150));

        var fromText = ServerText.Quote(emoji);
        var fromBytes = ServerText.Quote(Encoding.UTF8.GetBytes(emoji));

        Assert.StartsWith(emoji.Substring(0, ServerText.MaximumQuoted) + "…", fromText);
        Assert.StartsWith(emoji.Substring(0, ServerText.MaximumQuoted) + "…", fromBytes);
        Assert.EndsWith("(600 bytes in all)", fromBytes);
    }

    [Fact]
    public async Task A_reason_phrase_of_megabytes_is_quoted_trimmed()
    {
        var cube = new FakeCube((_, _) => new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest) { ReasonPhrase = new string('r', 5 * 1024 * 1024), Content = new StringContent("{}") });

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.RequestFailed, error.ErrorId);
        Assert.Contains("400 rrrr", error.Message);
        Assert.Contains("(5,242,880 characters in all)", error.Message);
    }

    [Fact]
    public async Task A_redirect_to_another_host_with_a_location_of_megabytes_is_quoted_trimmed()
    {
        var cube = new FakeCube((_, _) =>
        {
            var response = new HttpResponseMessage(System.Net.HttpStatusCode.Found);
            response.Headers.Location = new Uri("https://elsewhere.example/" + new string('p', 60_000));
            return response;
        });

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.UnsafeRedirect, error.ErrorId);
        Assert.Contains("characters in all)", error.Message);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("gzip, x-unknown-packing")]
    public async Task A_reply_in_an_encoding_CubePS_does_not_decode_names_the_encoding(string encoding)
    {
        var cube = new FakeCube((_, _) =>
        {
            var response = FakeCube.Json("[]");
            foreach (var name in encoding.Split(", "))
            {
                response.Content.Headers.ContentEncoding.Add(name);
            }

            return response;
        });

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains($"is encoded as '{encoding.Split(", ")[^1]}' (Content-Encoding), which CubePS does not decode", error.Message);
        Assert.Single(cube.Requests);
    }

    [Fact]
    public async Task A_407_from_Cube_itself_with_no_proxy_set_does_not_blame_a_proxy()
    {
        var cube = new FakeCube((_, _) => FakeCube.Json("{}", System.Net.HttpStatusCode.ProxyAuthenticationRequired));

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.ProxyAuthenticationFailed, error.ErrorId);
        Assert.Contains("no proxy is set for this connection", error.Message);
        Assert.DoesNotContain("The system's proxy", error.Message);
    }

    [Theory]
    [InlineData(99_999_999_999.0, "more than a century")]
    [InlineData(3_153_600_000.0, "more than a century")]
    [InlineData(3600.0, "3,600 s")]
    [InlineData(864_000.0, "864,000 s (about 10 days)")]
    public void A_wait_Cube_asks_for_is_said_one_way(double seconds, string expected)
    {
        var asked = seconds >= TimeSpan.MaxValue.TotalSeconds / 2 ? CubePS.Http.RetryPolicy.LongestWait : TimeSpan.FromSeconds(Math.Min(seconds, CubePS.Http.RetryPolicy.LongestWait.TotalSeconds));

        Assert.Equal(expected, CubePS.Http.RetryPolicy.DescribeWait(asked));
    }

    [Fact]
    public async Task A_Retry_After_in_year_9999_is_more_than_a_century_in_the_error()
    {
        var cube = new FakeCube((_, _) =>
        {
            var response = FakeCube.Json("{}", System.Net.HttpStatusCode.TooManyRequests);
            response.Headers.TryAddWithoutValidation("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT");
            return response;
        });

        var error = await FailsAsync(cube);

        Assert.Equal(CubeErrorIds.RateLimited, error.ErrorId);
        Assert.Contains("wait more than a century", error.Message);
        Assert.DoesNotContain("Try again after", error.RecommendedAction);
    }

    [Fact]
    public void An_updated_value_far_longer_than_any_date_is_not_read_as_one()
    {
        var padded = "2024-01-02" + new string(' ', 300);

        Assert.False(CubePS.Selection.UpdatedDate.TryParse(Encoding.UTF8.GetBytes(padded), out _));
        Assert.True(CubePS.Selection.UpdatedDate.TryParse(Encoding.UTF8.GetBytes("2024-01-02T10:00:00+01:00"), out _));
    }

    [Fact]
    public void A_page_is_remembered_by_a_digest_of_a_few_bytes_whatever_its_link()
    {
        var key = CubePS.Customers.NextLink.PageKey(new Uri(FakeCube.BaseUri + "crm/assignment_id/9/customers?page=2&pad=" + new string('x', 8000) + "#fragment"));

        Assert.Equal(24, key.Length);
        Assert.Equal(key, CubePS.Customers.NextLink.PageKey(new Uri(FakeCube.BaseUri + "crm/assignment_id/9/customers?page=2&pad=" + new string('x', 8000))));
        Assert.NotEqual(key, CubePS.Customers.NextLink.PageKey(new Uri(FakeCube.BaseUri + "crm/assignment_id/9/customers?page=3")));
    }
}
