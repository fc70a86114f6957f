using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Http;

/// <summary>
/// A reply body that fails when no byte arrives for the timeout (a stalled server), and turns a
/// dropped connection into a transient CubeException so that the page is fetched again.
/// </summary>
internal sealed class TimeoutReadStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable _owner;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _readTimeout;
    private readonly CancellationTokenRegistration _abortOnCancel;
    private readonly RequestContext _context;

    public TimeoutReadStream(
        Stream inner,
        IDisposable owner,
        TimeSpan timeout,
        RequestContext context,
        CancellationToken callerToken)
    {
        _inner = inner;
        _owner = owner;
        _timeout = timeout;
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
        _readTimeout.CancelAfter(_timeout);
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
                throw _context.TimedOut(string.Format(
                    System.Globalization.CultureInfo.InvariantCulture,
                    "Cube sent nothing for {0} s in the middle of its reply (after {1:N0} bytes).",
                    _timeout.TotalSeconds,
                    BytesRead));
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
                        e.Message),
                    e);
            }

            if (e is IOException or HttpRequestException or ObjectDisposedException)
            {
                throw _context.ConnectionLost(
                    string.Format(
                        System.Globalization.CultureInfo.InvariantCulture,
                        "The connection was lost while Cube was sending its reply (after {0:N0} bytes): {1}",
                        BytesRead,
                        e.Message),
                    e);
            }

            throw;
        }
    }

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
