using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace CubePS.Storage;

/// <summary>A point in the spool to roll back to: always between chunks.</summary>
internal readonly struct SpoolMark
{
    public SpoolMark(int chunkCount, long recordCount)
    {
        ChunkCount = chunkCount;
        RecordCount = recordCount;
    }

    public int ChunkCount { get; }

    public long RecordCount { get; }
}

/// <summary>
/// Holds the records of one call until the schema is complete, in a compact form: per record a
/// list of (column, tag, value) with keys as column numbers and nulls left out, UTF-8 kept as
/// sent. Records go into chunks of about 1 MB, each deflate-compressed when closed (customer data
/// shrinks about four times). Compressed chunks stay in memory up to a limit; beyond it they go to
/// a temporary file that is deleted when the spool closes (on Unix it is unlinked at once, so not
/// even a killed process leaves it behind).
/// </summary>
internal sealed class RecordSpool : IDisposable
{
    /// <summary>The open chunk is closed once it holds this much.</summary>
    internal const int ChunkTargetBytes = 1 << 20;

    private const byte EndOfRecord = 0;
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly long _memoryLimitBytes;
    private readonly string _temporaryDirectory;
    private readonly List<Chunk> _chunks = new();
    private byte[] _open = new byte[64 * 1024];
    private int _openLength;
    private int _recordStart;
    private long _memoryBytes;
    private FileStream? _file;
    private MemoryStream? _compressed;

    public RecordSpool(long memoryLimitBytes, string temporaryDirectory)
    {
        _memoryLimitBytes = memoryLimitBytes;
        _temporaryDirectory = temporaryDirectory;
    }

    private enum Tag : byte
    {
        String = 1,
        Int64 = 2,
        Decimal = 3,
        Double = 4,
        True = 5,
        False = 6,
        Json = 7,
    }

    public long RecordCount { get; private set; }

    /// <summary>Compressed bytes of closed chunks held in memory.</summary>
    public long MemoryBytes => _memoryBytes;

    /// <summary>The size of the temporary file now, 0 when there is none.</summary>
    public long FileBytes => _file?.Length ?? 0;

    /// <summary>The largest the temporary file has been.</summary>
    public long PeakFileBytes { get; private set; }

    public void BeginRecord() => _recordStart = _openLength;

    public void AddString(int column, ReadOnlySpan<byte> utf8)
    {
        WriteHeader(column, Tag.String);
        WriteBytes(utf8);
    }

    /// <summary>Reserves room for a string value of <paramref name="length"/> UTF-8 bytes and returns it to be filled.</summary>
    public Span<byte> AddStringSpace(int column, int length)
    {
        WriteHeader(column, Tag.String);
        WriteVarint((uint)length);
        Ensure(length);
        var span = new Span<byte>(_open, _openLength, length);
        _openLength += length;
        return span;
    }

    /// <summary>A nested object or array, kept as compact JSON text.</summary>
    public void AddJson(int column, ReadOnlySpan<byte> utf8)
    {
        WriteHeader(column, Tag.Json);
        WriteBytes(utf8);
    }

    public void AddInt64(int column, long value)
    {
        WriteHeader(column, Tag.Int64);
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(_open, _openLength, 8), value);
        _openLength += 8;
    }

    public void AddDouble(int column, double value) => AddInt64Bits(column, Tag.Double, BitConverter.DoubleToInt64Bits(value));

    public void AddDecimal(int column, decimal value)
    {
        WriteHeader(column, Tag.Decimal);
        Ensure(16);
        var bits = decimal.GetBits(value);
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(_open, _openLength, 4), bits[i]);
            _openLength += 4;
        }
    }

    public void AddBoolean(int column, bool value) => WriteHeader(column, value ? Tag.True : Tag.False);

    public void EndRecord()
    {
        Ensure(1);
        _open[_openLength++] = EndOfRecord;
        RecordCount++;
        if (_openLength >= ChunkTargetBytes)
        {
            CloseOpenChunk();
        }
    }

    /// <summary>Drops the record begun last (a record the filters did not keep).</summary>
    public void CancelRecord() => _openLength = _recordStart;

    public SpoolMark Mark()
    {
        CloseOpenChunk();
        return new SpoolMark(_chunks.Count, RecordCount);
    }

    public void Rollback(SpoolMark mark)
    {
        _openLength = 0;
        if (mark.ChunkCount < _chunks.Count)
        {
            long? truncateFileTo = null;
            for (var i = mark.ChunkCount; i < _chunks.Count; i++)
            {
                var chunk = _chunks[i];
                if (chunk.Compressed is not null)
                {
                    _memoryBytes -= chunk.Compressed.Length;
                }
                else
                {
                    truncateFileTo ??= chunk.FileOffset;
                }
            }

            _chunks.RemoveRange(mark.ChunkCount, _chunks.Count - mark.ChunkCount);
            if (truncateFileTo is { } length && _file is not null)
            {
                _file.SetLength(length);
            }
        }

        RecordCount = mark.RecordCount;
    }

    /// <summary>
    /// Reads every record back in order. Each record is written into <paramref name="values"/>,
    /// indexed by column, with null where the record has no value; the same array is reused.
    /// </summary>
    public IEnumerable<object?[]> Read(object?[] values)
    {
        CloseOpenChunk();
        byte[]? scratch = null;
        foreach (var chunk in _chunks)
        {
            var raw = Inflate(chunk, ref scratch);
            var position = 0;
            while (position < chunk.RawLength)
            {
                position = ReadRecord(raw, position, values);
                yield return values;
            }
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        _chunks.Clear();
        _memoryBytes = 0;
        _open = Array.Empty<byte>();
        _openLength = 0;
    }

    /// <summary>Decodes the record at <paramref name="position"/> into <paramref name="values"/>; returns where the next one starts.</summary>
    [MethodImpl(Jit.HotLoop)]
    private static int ReadRecord(byte[] raw, int position, object?[] values)
    {
        Array.Clear(values, 0, values.Length);
        while (true)
        {
            var columnPlusOne = (int)ReadVarint(raw, ref position);
            if (columnPlusOne == EndOfRecord)
            {
                return position;
            }

            values[columnPlusOne - 1] = ReadValue(raw, ref position);
        }
    }

    private static object? ReadValue(byte[] raw, ref int position)
    {
        var tag = (Tag)raw[position++];
        switch (tag)
        {
            case Tag.String:
            {
                var length = (int)ReadVarint(raw, ref position);
                var text = length == 0 ? string.Empty : Utf8.GetString(raw, position, length);
                position += length;
                return text;
            }

            case Tag.Json:
            {
                var length = (int)ReadVarint(raw, ref position);
                var text = Utf8.GetString(raw, position, length);
                position += length;
                return text;
            }

            case Tag.Int64:
            {
                var value = BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(raw, position, 8));
                position += 8;
                return value;
            }

            case Tag.Double:
            {
                var value = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(raw, position, 8)));
                position += 8;
                return value;
            }

            case Tag.Decimal:
            {
                var bits = new int[4];
                for (var i = 0; i < 4; i++)
                {
                    bits[i] = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(raw, position, 4));
                    position += 4;
                }

                return new decimal(bits);
            }

            case Tag.True:
                return true;
            case Tag.False:
                return false;
            default:
                throw new InvalidOperationException("The spool is damaged: unknown value tag " + (byte)tag + ".");
        }
    }

    private static uint ReadVarint(byte[] raw, ref int position)
    {
        uint value = 0;
        var shift = 0;
        while (true)
        {
            var b = raw[position++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }

    private void AddInt64Bits(int column, Tag tag, long bits)
    {
        WriteHeader(column, tag);
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(_open, _openLength, 8), bits);
        _openLength += 8;
    }

    private void WriteHeader(int column, Tag tag)
    {
        WriteVarint((uint)column + 1);
        Ensure(1);
        _open[_openLength++] = (byte)tag;
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarint((uint)bytes.Length);
        Ensure(bytes.Length);
        bytes.CopyTo(new Span<byte>(_open, _openLength, bytes.Length));
        _openLength += bytes.Length;
    }

    private void WriteVarint(uint value)
    {
        Ensure(5);
        while (value >= 0x80)
        {
            _open[_openLength++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _open[_openLength++] = (byte)value;
    }

    private void Ensure(int more)
    {
        if (_openLength + more > _open.Length)
        {
            var grown = new byte[Math.Max(_open.Length * 2, _openLength + more)];
            Buffer.BlockCopy(_open, 0, grown, 0, _openLength);
            _open = grown;
        }
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
            try
            {
                var file = OpenFile();
                chunk.FileOffset = file.Length;
                file.Position = chunk.FileOffset;
                file.Write(_compressed.GetBuffer(), 0, chunk.StoredLength);
                PeakFileBytes = Math.Max(PeakFileBytes, file.Length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CubeException(
                    CubeErrorIds.TemporaryStorageFailed,
                    CubeErrorCategory.WriteError,
                    "CubePS could not write its temporary file in " + _temporaryDirectory + ": " + e.Message,
                    _temporaryDirectory,
                    e)
                {
                    RecommendedAction = "Free disk space there, point TMPDIR (TEMP on Windows) to another folder, or raise CUBE_SPOOL_MEMORY_MB to keep more in memory.",
                };
            }
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

        Stream stored;
        if (chunk.Compressed is not null)
        {
            stored = new MemoryStream(chunk.Compressed, writable: false);
        }
        else
        {
            var file = _file ?? throw new ObjectDisposedException(nameof(RecordSpool));
            file.Position = chunk.FileOffset;
            stored = file;
        }

        using var deflate = new DeflateStream(stored, CompressionMode.Decompress, leaveOpen: true);
        var filled = 0;
        while (filled < chunk.RawLength)
        {
            var read = deflate.Read(scratch, filled, chunk.RawLength - filled);
            if (read == 0)
            {
                throw new InvalidOperationException("The spool is damaged: a chunk ended early.");
            }

            filled += read;
        }

        return scratch;
    }

    private FileStream OpenFile()
    {
        if (_file is null)
        {
            var path = Path.Combine(_temporaryDirectory, "cubeps-" + Guid.NewGuid().ToString("N") + ".spool");
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // The open handle keeps the data; the name goes now, so nothing is left if the process dies.
                File.Delete(path);
            }
        }

        return _file;
    }

    private sealed class Chunk
    {
        /// <summary>The deflated chunk when it is held in memory; null when it is in the file.</summary>
        public byte[]? Compressed { get; set; }

        public long FileOffset { get; set; }

        public int StoredLength { get; set; }

        public int RawLength { get; set; }
    }
}
