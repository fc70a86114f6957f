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
    public async Task A_chunk_size_line_past_the_limit_is_an_invalid_response_at_once_not_a_lost_connection()
    {
        // Review 18 F3: a 60,000-byte chunk extension; .NET says "The HTTP/1.1 response chunk was
        // too large" with an HttpRequestException of no kind, which was taken for a lost connection.
        var body = Json.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ";" + new string('e', 60000) + "\r\n" + Json + "\r\n0\r\n\r\n";
        using var server = LoopbackServer.Http(_ => LoopbackServer.Reply("200 OK", "Content-Type: application/json\r\nTransfer-Encoding: chunked", body));

        var error = await FailsAsync(server);

        Assert.Equal(CubeErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("breaks HTTP's framing of its body", error.Message);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Headers_past_the_limit_and_endless_interim_replies_are_an_invalid_response_at_once()
    {
        // Review 18 F4: a 100 KB header line, then 5,000 "100 Continue" replies: .NET's header limit, never retried.
        using var big = LoopbackServer.Http(_ => LoopbackServer.Reply("200 OK", "Content-Type: application/json\r\nX-Big: " + new string('a', 100 * 1024) + "\r\nContent-Length: " + Json.Length, Json));
        var bigError = await FailsAsync(big);
        Assert.Equal(CubeErrorIds.InvalidResponse, bigError.ErrorId);
        Assert.Equal(1, big.Requests);

        var interim = string.Concat(Enumerable.Repeat("HTTP/1.1 100 Continue\r\nX-A: b\r\n\r\n", 5000));
        using var many = LoopbackServer.Http(_ => interim + LoopbackServer.Reply("200 OK", "Content-Type: application/json\r\nContent-Length: " + Json.Length, Json));
        var manyError = await FailsAsync(many);
        Assert.Equal(CubeErrorIds.InvalidResponse, manyError.ErrorId);
        Assert.Equal(1, many.Requests);
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

    private static readonly string Ok = LoopbackServer.Reply("200 OK", "Content-Type: application/json\r\nContent-Length: " + Json.Length, Json);

    public static TheoryData<string, string, string> TlsFaults => new()
    {
        { "tls1.0 only", "no TLS version (or cipher) in common", "offer TLS 1.2 or 1.3" },
        { "plain http", "answered in plain HTTP, not TLS", "Check the port" },
        { "untrusted", "not issued by an authority this machine trusts", "install the issuing authority's certificate" },
        { "expired", "has expired or is not valid yet", "renew its certificate" },
        { "other name", "is not for the host name localhost", "use the host name the certificate is issued for" },
    };

    /// <summary>A server with the TLS fault, and the address to reach it by.</summary>
    private static (LoopbackServer Server, Uri Address) TlsFault(string fault)
    {
#pragma warning disable SYSLIB0039 // TLS 1.0 is what the server offers, on purpose.
        var server = fault switch
        {
            "tls1.0 only" => LoopbackServer.Https(SslProtocols.Tls, _ => Ok),
            "plain http" => LoopbackServer.HttpAnsweringAtOnce(LoopbackServer.Reply("400 Bad Request", "Content-Type: text/html\r\nContent-Length: 11", "Bad Request")),
            "expired" => LoopbackServer.Https(SslProtocols.Tls12, _ => Ok, expired: true),
            _ => LoopbackServer.Https(SslProtocols.Tls12, _ => Ok),
        };
#pragma warning restore SYSLIB0039
        var host = fault == "other name" ? "localhost" : "127.0.0.1";
        return (server, new Uri("https://" + host + ":" + server.BaseUri.Port + "/"));
    }

    [Theory]
    [MemberData(nameof(TlsFaults))]
    public async Task A_TLS_failure_says_why_with_what_to_do_when_customers_are_read(string fault, string reason, string action)
    {
        var (server, address) = TlsFault(fault);
        using (server)
        {
            var connection = server.Connect(options =>
            {
                options.BaseUri = address;
                options.SkipCertificateCheck = fault == "tls1.0 only";
            });
            var error = await Assert.ThrowsAsync<CubeException>(() => new DownloadRun(connection, new RequestSettings(20, 2, 1)).RunAsync(null, 9));

            Assert.Equal(CubeErrorIds.CertificateRejected, error.ErrorId);
            Assert.Contains(reason, error.Message);
            Assert.Contains(action, error.Message);
            Assert.Contains(action, error.RecommendedAction);
            Assert.DoesNotContain("see inner exception", error.Message);
            Assert.DoesNotContain("It failed", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(TlsFaults))]
    public async Task A_TLS_failure_says_why_with_what_to_do_in_a_connection_test(string fault, string reason, string action)
    {
        var (server, address) = TlsFault(fault);
        using (server)
        {
            var connection = server.Connect(options =>
            {
                options.BaseUri = address;
                options.SkipCertificateCheck = fault == "tls1.0 only";
            });
            var result = await new CubePS.Diagnostics.ConnectionProbe(connection, new RequestSettings(20, 0, 1), NullCubeLog.Instance).RunAsync(null, CancellationToken.None);

            Assert.Equal(CubeErrorIds.CertificateRejected, result.Failure?.ErrorId);
            Assert.Contains(reason, result.Message);
            Assert.Contains(action, result.Message);
        }
    }
}
