using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Export;

/// <summary>
/// A write-only stream whose writes another thread carries out, a few buffers behind: the .xlsx
/// writer builds a worksheet's XML on one core while its compression (and the file's writes) run
/// on the other. Every write is copied, so the caller may reuse its buffer at once. A failure of
/// the other thread (a full disk) is raised by the next write, or by <see cref="Dispose(bool)"/>
/// at the latest, as the exception it was.
/// </summary>
internal sealed class HandOffStream : Stream
{
    private const int BuffersAhead = 4;

    private readonly Stream _inner;
    private readonly BlockingCollection<ArraySegment<byte>> _pending = new(BuffersAhead);
    private readonly ConcurrentBag<byte[]> _spare = new();
    private readonly Task _writer;
    private Exception? _failure;
    private bool _disposed;

    public HandOffStream(Stream inner)
    {
        _inner = inner;
        _writer = Task.Factory.StartNew(WritePending, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ThrowIfFailed();
        if (!_spare.TryTake(out var copy) || copy.Length < count)
        {
            copy = new byte[Math.Max(count, 128 * 1024)];
        }

        Buffer.BlockCopy(buffer, offset, copy, 0, count);
        _pending.Add(new ArraySegment<byte>(copy, 0, count));
    }

    /// <summary>Nothing to do until the end: <see cref="Dispose(bool)"/> waits for every write and flushes.</summary>
    public override void Flush() => ThrowIfFailed();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _pending.CompleteAdding();
            _writer.Wait();
            _pending.Dispose();
            try
            {
                ThrowIfFailed();
                _inner.Flush();
            }
            finally
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void WritePending()
    {
        foreach (var segment in _pending.GetConsumingEnumerable())
        {
            // After a failure the rest is taken and dropped, so the writing thread never waits
            // on a full queue; its next write raises the failure.
            if (Volatile.Read(ref _failure) is null)
            {
                try
                {
                    _inner.Write(segment.Array!, segment.Offset, segment.Count);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref _failure, e);
                }
            }

            _spare.Add(segment.Array!);
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
