using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CubePS.Connections;

namespace CubePS.Client.Tests;

/// <summary>Issue 19: secrets in every form a reply or a refused argument can show them.</summary>
public class SecretsShownTests
{
    [Theory]
    [InlineData("utf-16LE")]
    [InlineData("utf-16BE")]
    public async Task A_401_that_echoes_the_token_in_UTF_16_shows_none_of_it(string encodingName)
    {
        var body = Encoding.GetEncoding(encodingName).GetBytes("Invalid token: " + FakeCube.Token);
        var cube = new FakeCube((_, _) =>
        {
            // No charset: the reply is read as UTF-8, a NUL between every two characters.
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            return new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = content };
        });
        var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(cube.Connect()).RunAsync(null, 9));

        Assert.Equal(CubeErrorIds.AuthenticationFailed, error.ErrorId);
        var shown = (error.Message + error.ResponseText + error.RecommendedAction).Replace("\0", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeCube.Token, shown);
        Assert.DoesNotContain(FakeCube.Token.Substring(0, 8), shown);
    }

    [Theory]
    [InlineData("utf-16LE")]
    [InlineData("utf-16BE")]
    public void The_masker_finds_a_secret_in_UTF_16_read_as_single_bytes(string encodingName)
    {
        var masker = new SecretMasker(new[] { "tok en-1234567" });
        var echoed = Encoding.Latin1.GetString(Encoding.GetEncoding(encodingName).GetBytes("Invalid token: tok en-1234567."));

        var masked = masker.MaskText(echoed).Replace("\0", string.Empty, StringComparison.Ordinal);

        Assert.Equal("Invalid token: ***.", masked);
    }

    [Theory]
    [InlineData("https://cube.test/?api_key=s3cr3t-value", "has a query")]
    [InlineData("ftp://user:s3cr3t-value@cube.test/", "not an http or https")]
    [InlineData("https://cube.test/#access_token=s3cr3t-value", "query or fragment")]
    [InlineData("https://cube.test/?sig=a&code=s3cr3t-value&auth=c", "has a query")]
    [InlineData("https://cube.test/?X-Amz-Signature=b&k=s3cr3t-value", "has a query")]
    [InlineData("https://cube.test/?s3cr3t-value", "has a query")]
    public void A_refused_base_URI_is_shown_masked(string uri, string problem)
    {
        var shown = CubeEndpoint.ValidateBaseUri(new Uri(uri));

        Assert.Contains(problem, shown, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", shown, StringComparison.Ordinal);
        Assert.Contains("***", shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://cube.test/?api_key=s3cr3t-value")]
    [InlineData("cube.test/?token=s3cr3t-value")]
    [InlineData("cube.test/?code=s3cr3t-value")]
    public void A_refused_CUBE_BASE_URI_is_shown_masked(string value)
    {
        var error = Assert.Throws<CubeException>(() => ConnectionVariables.Read(name => name switch { "CUBE_BASE_URI" => value, "CUBE_TOKEN" => FakeCube.Token, _ => null }));

        Assert.Equal(CubeErrorIds.InvalidEnvironment, error.ErrorId);
        Assert.Contains("CUBE_BASE_URI", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme\n")]
    [InlineData("acme\r\n")]
    [InlineData("\nacme")]
    public void An_account_with_a_line_break_is_refused(string account) =>
        Assert.Contains("one DNS label", CubeEndpoint.ValidateAccount(account), StringComparison.Ordinal);
}
