using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using CubePS.Errors;

namespace CubePS.Storage;

/// <summary>
/// Bytes appended in order and read back in order, in chunks of about 1 MB. The open chunk grows
/// in memory; a closed chunk is deflate-compressed (customer records shrink about four times) and
/// kept in memory up to a limit, beyond which it goes to a spill file. A mark, always between
/// chunks, lets a failed page or assignment be taken out again. The store knows nothing of what
/// the bytes mean; a chunk is closed only where its writer says a unit (a record) ends.
/// </summary>
internal sealed class ChunkStore : IDisposable
{
    /// <summary>The open chunk is closed once it holds this much.</summary>
    internal const int ChunkTargetBytes = 1 << 20;

    private readonly long _memoryLimitBytes;
    private readonly Func<Stream> _openSpillFile;
    private readonly string _spillLocation;
    private readonly List<Chunk> _chunks = new();
    private byte[] _open = new byte[64 * 1024];
    private int _openLength;
    private long _memoryBytes;
    private Stream? _spill;
    private MemoryStream? _compressed;

    /// <param name="memoryLimitBytes">Compressed bytes kept in memory before chunks go to the spill file.</param>
    /// <param name="openSpillFile">Opens the spill file on first need.</param>
    /// <param name="spillLocation">Where the spill file lives, for messages.</param>
    public ChunkStore(long memoryLimitBytes, Func<Stream> openSpillFile, string spillLocation)
    {
        _memoryLimitBytes = memoryLimitBytes;
        _openSpillFile = openSpillFile;
        _spillLocation = spillLocation;
    }

    /// <summary>Compressed bytes of closed chunks held in memory.</summary>
    public long MemoryBytes => _memoryBytes;

    /// <summary>The largest the spill file has been.</summary>
    public long PeakSpillBytes { get; private set; }

    /// <summary>Bytes in the open chunk; a position that <see cref="TruncateOpen"/> can go back to.</summary>
    public int OpenLength => _openLength;

    /// <summary>Room for <paramref name="length"/> more bytes at the end of the open chunk; <see cref="Advance"/> commits them.</summary>
    public Span<byte> GetSpan(int length)
    {
        if (_openLength + length > _open.Length)
        {
            var grown = new byte[Math.Max(_open.Length * 2, _openLength + length)];
            Buffer.BlockCopy(_open, 0, grown, 0, _openLength);
            _open = grown;
        }

        return new Span<byte>(_open, _openLength, length);
    }

    public void Advance(int length) => _openLength += length;

    /// <summary>Drops what was appended to the open chunk after <paramref name="openLength"/>.</summary>
    public void TruncateOpen(int openLength) => _openLength = openLength;

    /// <summary>Closes the open chunk when it has reached its size; call only where a unit ends.</summary>
    public void CloseChunkIfFull()
    {
        if (_openLength >= ChunkTargetBytes)
        {
            CloseOpenChunk();
        }
    }

    /// <summary>Closes the open chunk and returns a point to roll back to.</summary>
    public int Mark()
    {
        CloseOpenChunk();
        return _chunks.Count;
    }

    /// <summary>Forgets every chunk after <paramref name="mark"/>, and the open chunk.</summary>
    public void Rollback(int mark)
    {
        _openLength = 0;
        if (mark >= _chunks.Count)
        {
            return;
        }

        long? truncateSpillTo = null;
        for (var i = mark; i < _chunks.Count; i++)
        {
            var chunk = _chunks[i];
            if (chunk.Compressed is not null)
            {
                _memoryBytes -= chunk.Compressed.Length;
            }
            else
            {
                truncateSpillTo ??= chunk.SpillOffset;
            }
        }

        _chunks.RemoveRange(mark, _chunks.Count - mark);
        if (truncateSpillTo is { } length && _spill is not null)
        {
            Guard(() => _spill.SetLength(length));
        }
    }

    /// <summary>
    /// The chunks in order, each inflated into a buffer that is reused for the next one, so a
    /// segment is valid only until the enumeration moves on.
    /// </summary>
    public IEnumerable<ArraySegment<byte>> ReadChunks()
    {
        CloseOpenChunk();
        byte[]? scratch = null;
        foreach (var chunk in _chunks)
        {
            yield return new ArraySegment<byte>(Inflate(chunk, ref scratch), 0, chunk.RawLength);
        }
    }

    public void Dispose()
    {
        _spill?.Dispose();
        _spill = null;
        _chunks.Clear();
        _memoryBytes = 0;
        _open = Array.Empty<byte>();
        _openLength = 0;
    }

    private void CloseOpenChunk()
    {
        if (_openLength == 0)
        {
            return;
        }

        _compressed ??= new MemoryStream();
        _compressed.SetLength(0);
        using (var deflate = new DeflateStream(_compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(_open, 0, _openLength);
        }

        var chunk = new Chunk { RawLength = _openLength, StoredLength = checked((int)_compressed.Length) };
        if (_memoryBytes + chunk.StoredLength <= _memoryLimitBytes)
        {
            chunk.Compressed = _compressed.ToArray();
            _memoryBytes += chunk.StoredLength;
        }
        else
        {
            Guard(() =>
            {
                _spill ??= _openSpillFile();
                chunk.SpillOffset = _spill.Length;
                _spill.Position = chunk.SpillOffset;
                _spill.Write(_compressed.GetBuffer(), 0, chunk.StoredLength);
                PeakSpillBytes = Math.Max(PeakSpillBytes, _spill.Length);
            });
        }

        _chunks.Add(chunk);
        _openLength = 0;
    }

    private byte[] Inflate(Chunk chunk, ref byte[]? scratch)
    {
        if (scratch is null || scratch.Length < chunk.RawLength)
        {
            scratch = new byte[Math.Max(chunk.RawLength, ChunkTargetBytes * 2)];
        }

        var buffer = scratch;
        Guard(() =>
        {
            Stream stored;
            if (chunk.Compressed is not null)
            {
                stored = new MemoryStream(chunk.Compressed, writable: false);
            }
            else
            {
                var spill = _spill ?? throw new ObjectDisposedException(nameof(ChunkStore));
                spill.Position = chunk.SpillOffset;
                stored = spill;
            }

            using var deflate = new DeflateStream(stored, CompressionMode.Decompress, leaveOpen: true);
            var filled = 0;
            while (filled < chunk.RawLength)
            {
                var read = deflate.Read(buffer, filled, chunk.RawLength - filled);
                if (read == 0)
                {
                    throw new IOException("A stored chunk ended early.");
                }

                filled += read;
            }
        });

        return buffer;
    }

    /// <summary>Runs a spill file operation; a failure of the disk becomes CubeTemporaryStorageFailed.</summary>
    private void Guard(Action operation)
    {
        try
        {
            operation();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CubeException(
                CubeErrorIds.TemporaryStorageFailed,
                CubeErrorCategory.WriteError,
                "CubePS could not use its temporary file in " + _spillLocation + ": " + e.Message,
                _spillLocation,
                e)
            {
                RecommendedAction = "Free disk space there, point TMPDIR (TEMP on Windows) to another folder, or raise CUBE_SPOOL_MEMORY_MB to keep more in memory.",
            };
        }
    }

    private sealed class Chunk
    {
        /// <summary>The deflated chunk when it is held in memory; null when it is in the spill file.</summary>
        public byte[]? Compressed { get; set; }

        public long SpillOffset { get; set; }

        public int StoredLength { get; set; }

        public int RawLength { get; set; }
    }
}
