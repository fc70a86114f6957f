using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Storage;

/// <summary>
/// Bytes held in pooled 64 KB segments: a page fetched ahead is kept here until it is read, so
/// that no page becomes a large array for the garbage collector to move and free.
/// </summary>
internal sealed class SegmentedBuffer : IDisposable
{
    /// <summary>Bytes are held, and counted against a budget, in segments of this size.</summary>
    internal const int SegmentSize = 64 * 1024;

    private readonly List<byte[]> _segments = new();
    private int _lastLength = SegmentSize;

    public long Length { get; private set; }

    /// <summary>Reads all of <paramref name="source"/> into the buffer.</summary>
    public Task FillAsync(Stream source, CancellationToken cancellationToken) => FillAsync(source, static () => true, cancellationToken);

    /// <summary>
    /// Reads <paramref name="source"/> into the buffer while <paramref name="mayGrow"/> allows each
    /// further segment (it is asked before one is added, so it can count them against a budget).
    /// False when it refused one before the end of the source: the buffer then holds only the start.
    /// </summary>
    public async Task<bool> FillAsync(Stream source, Func<bool> mayGrow, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_lastLength == SegmentSize)
            {
                if (!mayGrow())
                {
                    return false;
                }

                _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentSize));
                _lastLength = 0;
            }

            var segment = _segments[_segments.Count - 1];
            var read = await source.ReadAsync(segment, _lastLength, SegmentSize - _lastLength, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            _lastLength += read;
            Length += read;
        }
    }

    /// <summary>Segments held (each counted as <see cref="SegmentSize"/> bytes, whatever it holds).</summary>
    public int Segments => _segments.Count;

    /// <summary>The bytes of the first segment (at most <see cref="SegmentSize"/>).</summary>
    public ReadOnlySpan<byte> First => _segments.Count == 0 ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(_segments[0], 0, (int)Math.Min(Length, SegmentSize));

    /// <summary>A stream over the bytes; valid until the buffer is disposed.</summary>
    public Stream OpenRead() => new Reader(this);

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            ArrayPool<byte>.Shared.Return(segment);
        }

        _segments.Clear();
        Length = 0;
    }

    private sealed class Reader : Stream
    {
        private readonly SegmentedBuffer _buffer;
        private long _position;

        public Reader(SegmentedBuffer buffer) => _buffer = buffer;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _buffer.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var available = _buffer.Length - _position;
            if (available <= 0)
            {
                return 0;
            }

            var segment = _buffer._segments[(int)(_position / SegmentSize)];
            var inSegment = (int)(_position % SegmentSize);
            var n = (int)Math.Min(Math.Min(count, SegmentSize - inSegment), available);
            Buffer.BlockCopy(segment, inSegment, buffer, offset, n);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
