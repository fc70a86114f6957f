using System;
using System.IO;

namespace CubePS.Export;

/// <summary>
/// A forward-only view of a stream that counts the bytes written through it. It never seeks, so
/// what is written through it is the same for a file, a pipe or a terminal, and the count needs no
/// Position of the target (a pipe has none). <see cref="Abandon"/> drops every later write: after a
/// failure, whatever a writer still puts out while it is disposed goes nowhere instead of raising
/// a second error that would hide the first.
/// </summary>
internal sealed class CountingStream : Stream
{
    private readonly Stream _inner;
    private bool _abandoned;

    public CountingStream(Stream inner) => _inner = inner;

    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>Drops every later write; false, so it can stand in an exception filter.</summary>
    public bool Abandon()
    {
        _abandoned = true;
        return false;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_abandoned)
        {
            return;
        }

        _inner.Write(buffer, offset, count);
        BytesWritten += count;
    }

    public override void WriteByte(byte value)
    {
        if (_abandoned)
        {
            return;
        }

        _inner.WriteByte(value);
        BytesWritten++;
    }

    public override void Flush()
    {
        if (!_abandoned)
        {
            _inner.Flush();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
