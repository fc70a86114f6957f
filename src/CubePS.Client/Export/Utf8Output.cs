using System;
using System.IO;
using System.Text;

namespace CubePS.Export;

/// <summary>
/// Where a text export writes: UTF-8 bytes in, the file's encoding out. Rows are built as UTF-8
/// (the stored records already are), so a UTF-8 file takes them as they are; any other encoding
/// gets them transcoded, a buffer at a time, with a decoder that keeps a character split across
/// buffers whole. The encoding's preamble (a byte order mark) comes first, as StreamWriter writes it.
/// </summary>
internal sealed class Utf8Output : IDisposable
{
    private const int FlushAt = 64 * 1024;

    private readonly Stream _stream;
    private readonly Encoding? _transcodeTo;
    private readonly Decoder? _decoder;
    private readonly Encoder? _encoder;
    private byte[] _buffer = new byte[FlushAt * 2];
    private char[] _chars = Array.Empty<char>();
    private byte[] _encoded = Array.Empty<byte>();
    private int _length;

    public Utf8Output(Stream stream, Encoding encoding)
    {
        _stream = stream;
        var preamble = encoding.GetPreamble();
        _stream.Write(preamble, 0, preamble.Length);
        BytesWritten = preamble.Length;
        if (encoding.CodePage != Encoding.UTF8.CodePage)
        {
            _transcodeTo = encoding;
            _decoder = new UTF8Encoding(false, false).GetDecoder();
            _encoder = encoding.GetEncoder();
        }
    }

    /// <summary>Bytes written to the stream so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Room for <paramref name="length"/> bytes; <see cref="Advance"/> commits them.</summary>
    public Span<byte> GetSpan(int length)
    {
        if (_length + length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + length));
        }

        return new Span<byte>(_buffer, _length, length);
    }

    public void Advance(int length) => _length += length;

    public void Write(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(GetSpan(utf8.Length));
        _length += utf8.Length;
    }

    public void Write(byte utf8)
    {
        GetSpan(1)[0] = utf8;
        _length++;
    }

    public void Write(string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        GetSpan(count);
        _length += Encoding.UTF8.GetBytes(text, 0, text.Length, _buffer, _length);
    }

    /// <summary>Writes out what is buffered once there is enough of it (call between rows).</summary>
    public void FlushIfFull()
    {
        if (_length >= FlushAt)
        {
            Flush(final: false);
        }
    }

    public void Flush(bool final)
    {
        if (_transcodeTo is null)
        {
            _stream.Write(_buffer, 0, _length);
            BytesWritten += _length;
        }
        else
        {
            var charCount = _decoder!.GetCharCount(_buffer, 0, _length, final);
            if (_chars.Length < charCount)
            {
                _chars = new char[charCount];
            }

            var chars = _decoder.GetChars(_buffer, 0, _length, _chars, 0, final);
            var byteCount = _encoder!.GetByteCount(_chars, 0, chars, final);
            if (_encoded.Length < byteCount)
            {
                _encoded = new byte[byteCount];
            }

            var bytes = _encoder.GetBytes(_chars, 0, chars, _encoded, 0, final);
            _stream.Write(_encoded, 0, bytes);
            BytesWritten += bytes;
        }

        _length = 0;
        if (final)
        {
            _stream.Flush();
        }
    }

    public void Dispose() => _stream.Dispose();
}
