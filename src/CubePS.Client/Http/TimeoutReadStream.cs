using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Http;

/// <summary>
/// A reply body that fails when the whole reply has not arrived within the timeout, counted from
/// when the request was sent (as Invoke-RestMethod's -TimeoutSec bounds a whole request: a server
/// that trickles a byte now and then must not hold a runbook for days), and turns a dropped
/// connection into a transient CubeException so that the page is fetched again.
/// </summary>
internal sealed class TimeoutReadStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable _owner;
    private readonly TimeSpan _timeout;
    private readonly System.Diagnostics.Stopwatch _sinceSent;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _readTimeout;
    private readonly CancellationTokenRegistration _abortOnCancel;
    private readonly RequestContext _context;

    public TimeoutReadStream(
        Stream inner,
        IDisposable owner,
        TimeSpan timeout,
        System.Diagnostics.Stopwatch sinceSent,
        RequestContext context,
        CancellationToken callerToken)
    {
        _inner = inner;
        _owner = owner;
        _timeout = timeout;
        _sinceSent = sinceSent;
        _callerToken = callerToken;
        _context = context;
        _readTimeout = CancellationTokenSource.CreateLinkedTokenSource(callerToken);

        // Some stacks (.NET Framework) ignore a token on a socket read; closing the reply ends it.
        _abortOnCancel = _readTimeout.Token.Register(static state => ((IDisposable)state!).Dispose(), owner);
    }

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var remaining = _timeout - _sinceSent.Elapsed;
        if (remaining <= TimeSpan.Zero)
        {
            throw TooSlow();
        }

        _readTimeout.CancelAfter(remaining);
        try
        {
            var read = await _inner.ReadAsync(buffer, offset, count, _readTimeout.Token).ConfigureAwait(false);
            _readTimeout.CancelAfter(Timeout.Infinite);
            BytesRead += read;
            return read;
        }
        catch (Exception e) when (e is not CubeException)
        {
            _callerToken.ThrowIfCancellationRequested();

            if (_readTimeout.IsCancellationRequested)
            {
                throw TooSlow();
            }

            if (e is InvalidDataException)
            {
                // Content-Encoding gzip or deflate over bytes that are not: the reply, not the network, is broken.
                throw _context.InvalidResponse(
                    string.Format(
                        System.Globalization.CultureInfo.InvariantCulture,
                        "Cube's reply for {0} says it is compressed (Content-Encoding), but it cannot be decompressed (after {1:N0} bytes): {2}",
                        _context.Describe(),
                        BytesRead,
                        RequestSender.InnermostMessage(e)),
                    e);
            }

            if (e is IOException or HttpRequestException && HttpErrorKind.IsUnreadableBody(e))
            {
                // A chunk size that is not one, or a chunk longer than it says: Cube answered, but
                // not in HTTP that can be read, and will answer the same way again. The bytes of
                // the read that found it are lost inside .NET's reader, so no count is given.
                throw _context.InvalidResponse(
                    string.Format(
                        System.Globalization.CultureInfo.InvariantCulture,
                        "Cube's reply for {0} breaks HTTP's framing of its body, so it cannot be read: {1}",
                        _context.Describe(),
                        RequestSender.InnermostMessage(e)),
                    e);
            }

            if (e is IOException or HttpRequestException or ObjectDisposedException)
            {
                throw _context.ConnectionLost(
                    string.Format(
                        System.Globalization.CultureInfo.InvariantCulture,
                        "The connection was lost while Cube was sending its reply, after {0:N0} bytes of its body had been read: {1}",
                        BytesRead,
                        RequestSender.InnermostMessage(e)),
                    e);
            }

            throw;
        }
    }

    private CubeException TooSlow() => _context.TimedOut(string.Format(
        System.Globalization.CultureInfo.InvariantCulture,
        "Cube's reply did not end within {0} s (-TimeoutSec) from the request: it stalled or came too slowly in the middle of its reply (after {1:N0} bytes).",
        _timeout.TotalSeconds,
        BytesRead));

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _abortOnCancel.Dispose();
            _readTimeout.Dispose();
            _inner.Dispose();
            _owner.Dispose();
        }

        base.Dispose(disposing);
    }
}
