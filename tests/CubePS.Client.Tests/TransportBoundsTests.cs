using System.Security.Authentication;
using CubePS.Errors;

namespace CubePS.Client.Tests;

/// <summary>
/// What reaches the real HTTP stack from a server on loopback: framing lies, a body with no end,
/// TLS it cannot agree on. Each is the named error at once, never a retried lost connection or a
/// wait for the whole timeout.
/// </summary>
public class TransportBoundsTests
{
    private const string Json = """[{"customer_id": 1, "name": "Kunde 1"}, {"customer_id": 2}]""";

    private static Task<CubeException> FailsAsync(LoopbackServer server, int retries = 2, int timeoutSec = 20) =>
        Assert.ThrowsAsync<CubeException>(() => new DownloadRun(server.Connect(), new RequestSettings(timeoutSec, retries, 1)).RunAsync(null, 9));

    [Theory]
    [InlineData("5\r\n" + Json + "\r\n0\r\n\r\n")]
    [InlineData("zz\r\n" + Json + "\r\n0\r\n\r\n")]
    public async Task Broken_chunked_framing_is_an_invalid_response_at_once_not_a_lost_connection(string body)
    {
        using var server = LoopbackServer.Http(_ => LoopbackServer.Reply("200 OK", "Content-Type: application/json\r\nTransfer-Encoding: chunked", body));

        var error = await FailsAsync(server);

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("breaks HTTP's framing of its body", error.Message);
        Assert.DoesNotContain("It failed", error.Message);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_connection_that_drops_mid_body_is_retried_and_says_how_many_bytes_arrived()
    {
        using var server = LoopbackServer.Http(_ => LoopbackServer.Reply("200 OK", "Content-Type: application/json\r\nContent-Length: 1000", Json), closeAfterReply: true);

        var error = await FailsAsync(server, retries: 1);

        Assert.Equal(CubeErrorIds.ConnectionFailed, error.ErrorId);
        Assert.Contains($"after {Json.Length} bytes of its body had been read", error.Message);
        Assert.Equal(2, server.Requests);
    }

    [Theory]
    [InlineData("205 Reset Content")]
    [InlineData("204 No Content")]
    public async Task A_success_without_content_that_sends_a_body_with_no_length_does_not_wait_for_the_timeout(string status)
    {
        // The body has no length and the connection stays open: read, it would end only with -TimeoutSec.
        using var server = LoopbackServer.Http(_ => LoopbackServer.Reply(status, "Content-Type: application/json", Json));

        var error = await FailsAsync(server, timeoutSec: 60);

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("only 200 OK carries a whole page", error.Message);
        Assert.Null(error.ResponseText);
    }
}
