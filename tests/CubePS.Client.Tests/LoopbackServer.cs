using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CubePS.Client.Tests;

/// <summary>
/// A server on a loopback port that answers every request with the bytes a test gives, exactly
/// as given (framing lies, missing lengths), in one send with TCP_NODELAY, then keeps the
/// connection open until the client closes it (or closes it at once). For https, it can offer
/// only the TLS versions a test names. The real HTTP stack of .NET reads it, as it reads Cube.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, byte[]> _reply;
    private readonly bool _closeAfterReply;
    private bool _answerAtOnce;
    private readonly X509Certificate2? _certificate;
    private readonly SslProtocols _protocols;
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    private LoopbackServer(Func<int, byte[]> reply, bool closeAfterReply, X509Certificate2? certificate, SslProtocols protocols)
    {
        _reply = reply;
        _closeAfterReply = closeAfterReply;
        _certificate = certificate;
        _protocols = protocols;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Requests => _requests;

    public Uri BaseUri => new((_certificate is null ? "http" : "https") + "://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");

    /// <summary>A plain-HTTP server; <paramref name="reply"/> gets the request number (0 first).</summary>
    public static LoopbackServer Http(Func<int, string> reply, bool closeAfterReply = false) =>
        new(n => Encoding.UTF8.GetBytes(reply(n)), closeAfterReply, null, SslProtocols.None);

    /// <summary>A plain-HTTP server that answers at once, before any request has come (as a web server answers a TLS handshake it cannot read).</summary>
    public static LoopbackServer HttpAnsweringAtOnce(string reply) =>
        new(_ => Encoding.UTF8.GetBytes(reply), closeAfterReply: true, null, SslProtocols.None) { _answerAtOnce = true };

    /// <summary>An https server with a self-signed certificate for 127.0.0.1 that accepts only <paramref name="protocols"/>.</summary>
    public static LoopbackServer Https(SslProtocols protocols, Func<int, string> reply, bool expired = false) =>
        new(n => Encoding.UTF8.GetBytes(reply(n)), closeAfterReply: false, SelfSigned(expired), protocols);

    /// <summary>A reply with headers and a body, with Content-Length unless <paramref name="headers"/> frames it otherwise.</summary>
    public static string Reply(string status, string headers, string body) =>
        "HTTP/1.1 " + status + "\r\n" + headers + (headers.Length > 0 ? "\r\n" : string.Empty) + "\r\n" + body;

    public Connection Connect(Action<ConnectionOptions>? configure = null)
    {
        var options = new ConnectionOptions { BaseUri = BaseUri, Token = FakeCube.Secure(FakeCube.Token), SkipCertificateCheck = _certificate is not null };
        configure?.Invoke(options);
        return Connection.Create(options);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _certificate?.Dispose();
    }

    private static X509Certificate2 SelfSigned(bool expired)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(expired ? -30 : -1), DateTimeOffset.UtcNow.AddDays(expired ? -2 : 1));

        // Exported and read again, so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream);
                    stream = tls;
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate, EnabledSslProtocols = _protocols }, _stop.Token);
                }

                while (_answerAtOnce || await ReadRequestAsync(stream))
                {
                    var reply = _reply(Interlocked.Increment(ref _requests) - 1);
                    await stream.WriteAsync(reply, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                    if (_closeAfterReply)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or AuthenticationException or ObjectDisposedException)
            {
                // The client went away, or refused the handshake: what the test looks at is the client's side.
            }
        }
    }

    /// <summary>Reads one request's headers; false when the client closed the connection.</summary>
    private async Task<bool> ReadRequestAsync(Stream stream)
    {
        var seen = new StringBuilder();
        var buffer = new byte[1];
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, _stop.Token) == 0)
            {
                return false;
            }

            seen.Append((char)buffer[0]);
        }

        return true;
    }
}
