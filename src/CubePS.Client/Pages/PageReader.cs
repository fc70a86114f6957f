using System;
using System.Runtime.CompilerServices;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Errors;
using CubePS.Http;

namespace CubePS.Pages;

/// <summary>
/// Reads one page of customers from a stream as it arrives: a bare JSON array of records (the
/// seed's shape) or the paged envelope. The sink reads each record straight from the reader, and
/// a record cut off by the end of the buffer is read again once more bytes are in, so a page of
/// any size is never held whole. Anything else is a CubeInvalidResponse
/// naming what was wrong, where, and how the reply began.
/// </summary>
internal sealed class PageReader
{
    private const int InitialBufferSize = 64 * 1024;
    private const int ReplyHeadLength = 300;

    /// <summary>The most of a reply held at once: one record and the whitespace inside it. Cube's records are about a kilobyte.</summary>
    internal const int MaximumBufferSize = 64 * 1024 * 1024;

    /// <summary>
    /// The largest buffer taken from, and given back to, the shared pool. The shared pool keeps
    /// what it is given per core and thread, up to a gigabyte: a buffer grown for one huge record
    /// (a rejected compression bomb) would stay cached for the process's life, and the next one
    /// would add its own. Larger buffers are plain arrays the collector frees after the page.
    /// </summary>
    internal const int MaximumPooledBufferSize = 1024 * 1024;

    /// <summary>A buffer of at least <paramref name="size"/> bytes; from the shared pool only when small.</summary>
    internal static byte[] RentBuffer(int size) =>
        size <= MaximumPooledBufferSize ? ArrayPool<byte>.Shared.Rent(size) : new byte[size];

    /// <summary>Gives a small buffer back to the shared pool; a large one is left to the collector.</summary>
    internal static void ReturnBuffer(byte[] buffer)
    {
        if (buffer.Length <= MaximumPooledBufferSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
    private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };

    /// <summary>
    /// The most records one page without a <c>count</c> (a bare array, or an envelope whose count
    /// comes after its records) may have: far past any Cube assignment, and what is kept per record
    /// for the read (its id, a few dozen bytes in the duplicate set) stays within ~100 MB.
    /// </summary>
    internal const int MaximumRecordsWithoutCount = 2_000_000;

    private readonly IRecordSink _sink;
    private readonly RequestContext _context;
    private readonly Action<string>? _onNextLink;
    private readonly PageSummary _page = new();
    private readonly byte[] _head = new byte[ReplyHeadLength];
    private byte[] _buffer = Array.Empty<byte>();
    private int _start;
    private int _end;
    private int _headLength;
    private long _bufferOffset;
    private JsonReaderState _state = new(JsonLimits.ReaderOptions);
    private Position _position;
    private bool _sawResults;
    private EnvelopeKeys _envelopeKeys;
    private bool _byteOrderMarkChecked;

    // Where the record being read starts (its byte in the reply), and whether the reply has reached
    // its records: an error then names the place (a path of keys) and never shows the reply's text.
    private long _recordStart;
    private bool _reachedRecords;

    // After a record (or envelope value) was cut off by the end of the buffer: the unread bytes to
    // wait for before reading it again, twice what it had. Read again at every arrival, a record of
    // n bytes coming in small reads cost O(n^2) (5M repeated keys: minutes); doubling keeps the
    // work on any record within about three reads of its bytes.
    private int _readAgainAt;

    /// <param name="onNextLink">Told the <c>next</c> link as soon as it is read, when it comes before the records, so the next page can be fetched while this one is read.</param>
    public PageReader(IRecordSink sink, RequestContext context, Action<string>? onNextLink = null)
    {
        _sink = sink;
        _context = context;
        _onNextLink = onNextLink;
    }

    private enum Position
    {
        Start,
        InBareArray,
        InEnvelope,
        InResults,
        Done,
    }

    private enum Outcome
    {
        NeedMoreData,
        Done,
        Stopped,
    }

    public async Task<PageSummary> ParseAsync(Stream body, string? contentType, CancellationToken cancellationToken)
    {
        _buffer = RentBuffer(InitialBufferSize);
        try
        {
            while (true)
            {
                if (!MakeRoom())
                {
                    throw Invalid(string.Format(CultureInfo.InvariantCulture, "One record of the reply, with the space around it, is larger than {0:N0} MB (near byte {1:N0}); CubePS holds at most that much of a reply at once.", MaximumBufferSize / (1024 * 1024), _bufferOffset), contentType);
                }

                var read = await body.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (_position != Position.Done && _readAgainAt > 0 && _byteOrderMarkChecked)
                    {
                        // Bytes held back for a cut-off record: read them before saying the reply was cut short.
                        _readAgainAt = 0;
                        if (ProcessOrThrow(contentType) == Outcome.Stopped)
                        {
                            _page.Stopped = true;
                            return _page;
                        }
                    }

                    if (_position != Position.Done)
                    {
                        throw Invalid(_page.Records == 0 && _page.Bytes == 0
                            ? "The reply is empty."
                            : string.Format(CultureInfo.InvariantCulture, "The reply ended before its JSON was complete (after {0:N0} bytes and {1:N0} records); it was cut short.", _page.Bytes, _page.Records), contentType);
                    }

                    return _page;
                }

                KeepHead(read);
                _end += read;
                _page.Bytes += read;
                if (!_byteOrderMarkChecked && !SkipByteOrderMark())
                {
                    // The reply so far could be the start of a byte order mark: read more first.
                    continue;
                }

                if (_end - _start < _readAgainAt && _end < _buffer.Length)
                {
                    continue;
                }

                if (ProcessOrThrow(contentType) == Outcome.Stopped)
                {
                    _page.Stopped = true;
                    return _page;
                }
            }
        }
        finally
        {
            ReturnBuffer(_buffer);
            _buffer = Array.Empty<byte>();
        }
    }

    private Outcome ProcessOrThrow(string? contentType)
    {
        Outcome outcome;
        try
        {
            outcome = Process();
        }
        catch (JsonException e)
        {
            throw Invalid(string.Format(CultureInfo.InvariantCulture, "The reply is not valid JSON near byte {0:N0}{1}: {2}", _bufferOffset + (e.BytePositionInLine ?? 0), PathOfFault(), WithoutQuotedText(e.Message)), contentType);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader reports text it cannot decode this way (records report their own, with the key).
            throw Invalid(string.Format(CultureInfo.InvariantCulture, "The page itself (not a record) has text that cannot be decoded near byte {0:N0}: {1}", _bufferOffset, e.Message), contentType);
        }
        catch (InvalidRecordException e)
        {
            throw Invalid(string.Format(CultureInfo.InvariantCulture, "Record {0} of the page: {1}", _page.Records + 1, e.Message), contentType);
        }

        // Nothing held back: the next arrival is read at once. Something cut off: wait for
        // twice as much (never more than the buffer may hold, so an oversized record still fails).
        var unread = _end - _start;
        _readAgainAt = outcome == Outcome.NeedMoreData && unread > 0
            ? (int)Math.Min(2L * unread, MaximumBufferSize)
            : 0;
        return outcome;
    }

    [MethodImpl(JitHints.HotLoop)]
    private Outcome Process()
    {
        var span = new ReadOnlySpan<byte>(_buffer, _start, _end - _start);
        var reader = new Utf8JsonReader(span, isFinalBlock: false, _state);

        // Everything up to `committed` is handled; a token group cut off by the end of the buffer
        // is read again from there once more data has arrived.
        long committed = 0;
        var committedState = _state;
        var outcome = Outcome.NeedMoreData;
        while (reader.Read())
        {
            var stop = false;
            switch (_position)
            {
                case Position.Start:
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        _position = Position.InBareArray;
                        _reachedRecords = true;
                    }
                    else if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        _position = Position.InEnvelope;
                    }
                    else
                    {
                        throw Invalid("The reply is JSON " + Describe(reader.TokenType) + ", not a list of customer records or a page of them.", null);
                    }

                    break;

                case Position.InBareArray:
                case Position.InResults:
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _position = _position == Position.InBareArray ? Position.Done : Position.InEnvelope;
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw Invalid(string.Format(CultureInfo.InvariantCulture, "Item {0} of the customer list is {1}, not a record (a JSON object).", _page.Records + 1, Describe(reader.TokenType)), null);
                    }

                    CheckRecordCount();

                    // One pass: the sink reads the record from this reader; when the buffer ends
                    // inside it, it keeps nothing and the record is read again with more data.
                    _recordStart = _bufferOffset + reader.TokenStartIndex;
                    var record = reader;
                    var recordOutcome = _sink.AddRecord(ref record, span);
                    if (recordOutcome == RecordOutcome.Incomplete)
                    {
                        goto needMoreData;
                    }

                    _page.Records++;
                    stop = recordOutcome == RecordOutcome.Enough;
                    reader = record;
                    break;

                case Position.InEnvelope:
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        if (!_sawResults)
                        {
                            throw Invalid("The reply is a JSON object without a 'results' list: not a page of customer records.", null);
                        }

                        _position = Position.Done;
                        break;
                    }

                    var value = reader;
                    if (!value.Read())
                    {
                        goto needMoreData;
                    }

                    var envelopeKey = CheckEnvelopeKeyOnce(ref reader);
                    if (reader.ValueTextEquals("results"))
                    {
                        if (value.TokenType != JsonTokenType.StartArray)
                        {
                            throw Invalid("The page's 'results' is " + Describe(value.TokenType) + ", not a list of records.", null);
                        }

                        _sawResults = true;
                        _position = Position.InResults;
                        _reachedRecords = true;
                    }
                    else if (reader.ValueTextEquals("next"))
                    {
                        if (value.TokenType == JsonTokenType.String)
                        {
                            // An empty (or blank) link names no page: the same as null.
                            var next = value.GetString();
                            _page.Next = string.IsNullOrWhiteSpace(next) ? null : next;
                            if (_page.Next is not null)
                            {
                                _onNextLink?.Invoke(_page.Next);
                            }
                        }
                        else if (value.TokenType == JsonTokenType.Null)
                        {
                            _page.Next = null;
                        }
                        else
                        {
                            throw Invalid("The page's 'next' is " + Describe(value.TokenType) + ", not a link or null.", null);
                        }
                    }
                    else if (reader.ValueTextEquals("count") && value.TokenType == JsonTokenType.Number && value.TryGetInt64(out var count) && count >= 0)
                    {
                        _page.Count = count;
                    }
                    else if (!value.TrySkip())
                    {
                        // 'previous' and anything else: not needed, but it must be complete to step over it.
                        goto needMoreData;
                    }

                    // Only now: a value that needed more data is read again from its key.
                    _envelopeKeys |= envelopeKey;
                    reader = value;
                    break;

                case Position.Done:
                    // Only whitespace may follow; the reader itself throws on anything else.
                    break;
            }

            committed = reader.BytesConsumed;
            committedState = reader.CurrentState;
            if (_position == Position.Done)
            {
                outcome = Outcome.Done;
            }

            if (stop)
            {
                outcome = Outcome.Stopped;
                break;
            }
        }

        needMoreData:
        _start += (int)committed;
        _bufferOffset += committed;
        _state = committedState;
        return outcome;
    }

    /// <summary>
    /// Moves unread bytes to the front of the buffer, and grows it when a single record fills it;
    /// false when that record would need more than <see cref="MaximumBufferSize"/>. Whitespace
    /// between records is dropped first: the read stops only at token boundaries, where it means
    /// nothing, and a reply padded with gigabytes of it must not grow the buffer.
    /// </summary>
    private bool MakeRoom()
    {
        while (_start < _end && _buffer[_start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            _start++;
            _bufferOffset++;
        }

        var unread = _end - _start;
        if (_start > 0 && (unread == 0 || _end == _buffer.Length))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            _start = 0;
            _end = unread;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaximumBufferSize)
            {
                return false;
            }

            var grown = RentBuffer(Math.Min(_buffer.Length * 2, MaximumBufferSize));
            Buffer.BlockCopy(_buffer, 0, grown, 0, _end);
            ReturnBuffer(_buffer);
            _buffer = grown;
        }

        return true;
    }

    private void KeepHead(int read)
    {
        if (_headLength < _head.Length)
        {
            var take = Math.Min(read, _head.Length - _headLength);
            Buffer.BlockCopy(_buffer, _end, _head, _headLength, take);
            _headLength += take;
        }
    }

    /// <summary>
    /// Steps over a UTF-8 byte order mark at the start of the reply. False while the bytes read so
    /// far could still be the start of one (a mark can arrive split over reads).
    /// </summary>
    private bool SkipByteOrderMark()
    {
        var available = Math.Min(_end - _start, Utf8Bom.Length);
        if (!new ReadOnlySpan<byte>(_buffer, _start, available).SequenceEqual(new ReadOnlySpan<byte>(Utf8Bom, 0, available)))
        {
            _byteOrderMarkChecked = true;
            return true;
        }

        if (available < Utf8Bom.Length)
        {
            return false;
        }

        _start += Utf8Bom.Length;
        _bufferOffset += Utf8Bom.Length;
        _byteOrderMarkChecked = true;
        return true;
    }

    /// <summary>
    /// Whether the reply begins as a JSON object, list or string does (after a UTF-8 byte order mark
    /// and white space). A 200 reply that is JSON may be customer data in a shape CubePS does not
    /// take (a single record as 'results', a record alone): its text is never shown.
    /// </summary>
    private bool LooksLikeJson()
    {
        var i = 0;
        if (_headLength >= 3 && _head[0] == 0xEF && _head[1] == 0xBB && _head[2] == 0xBF)
        {
            i = 3;
        }

        while (i < _headLength && _head[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i < _headLength && _head[i] is (byte)'{' or (byte)'[' or (byte)'"';
    }

    /// <summary>
    /// Bounds the records of a page while they are read, not once it ends: a page that announced
    /// its count may have at most the paging bound (twice the count and 1,000), one without a count
    /// <see cref="MaximumRecordsWithoutCount"/>; an endless page is refused there, on every page.
    /// </summary>
    private void CheckRecordCount()
    {
        if (_page.Count is { } count)
        {
            var limit = count > (long.MaxValue - 1000) / 2 ? long.MaxValue : (2 * count) + 1000;
            if (_page.Records >= limit)
            {
                throw Invalid(string.Format(CultureInfo.InvariantCulture, "The page has more than {0:N0} records (twice the {1:N0} its 'count' announced, and 1,000): its paging does not end.", limit, count), null);
            }
        }
        else if (_page.Records >= MaximumRecordsWithoutCount)
        {
            throw Invalid(string.Format(CultureInfo.InvariantCulture, "The page has more than {0:N0} records and announced no 'count': CubePS reads at most that many from one page without a count, far more than any Cube assignment has.", MaximumRecordsWithoutCount), null);
        }
    }

    private CubeException Invalid(string problem, string? contentType)
    {
        var message = new StringBuilder();
        message.Append("Cube's reply for ").Append(_context.Describe()).Append(" cannot be read as customer records. ").Append(problem);
        if (contentType is not null && contentType.IndexOf("json", StringComparison.OrdinalIgnoreCase) < 0)
        {
            message.Append(" The reply's content type is ").Append(ServerText.Quote(contentType));
            message.Append(contentType.IndexOf("html", StringComparison.OrdinalIgnoreCase) >= 0
                ? ", a web page: perhaps a login page or a proxy's error page, so check the base URI."
                : ", not JSON.");
        }

        if (MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && mediaType.CharSet?.Trim('"') is { Length: > 0 } charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            message.Append(" The reply's content type declares charset=").Append(ServerText.Quote(charset)).Append("; CubePS reads Cube's replies as UTF-8, as Cube sends them, so a server that sends another charset is not Cube's API as documented.");
        }

        if (_headLength >= 2 && _head[0] == 0x1F && _head[1] == 0x8B)
        {
            message.Append(" The reply begins as gzip data does: it is still compressed after decoding. CubePS undoes one gzip or deflate, as a Content-Encoding header names it; a reply compressed twice, or compressed without saying so, cannot be read.");
        }
        else if (_headLength >= 2 && ((_head[0] == 0xFF && _head[1] == 0xFE) || (_head[0] == 0xFE && _head[1] == 0xFF)))
        {
            message.Append(" The reply begins with a UTF-16 byte order mark; Cube's replies are UTF-8.");
        }

        if (_reachedRecords && _headLength > 0)
        {
            message.Append(" (The reply's text is not shown: it holds customer records.)");
        }

        // No inner exception: the parser's own (JsonException, a decoder's) quotes the reply near the
        // fault, and Get-Error prints inner exceptions into transcripts. The message above says where.
        var error = _context.InvalidResponse(message.ToString(), null);

        // An error record goes to $Error, transcripts and job logs, read by people who may not see
        // customer data: the reply's first bytes only when they are not a page of customers (an
        // error body, a login page).
        if (_headLength > 0 && !_reachedRecords && !LooksLikeJson())
        {
            error.ResponseText = ReplyText.Summarize(_head, _headLength, _context.Masker, cutShort: _headLength == _head.Length);
        }

        return error;
    }

    /// <summary>
    /// Where in the reply a JSON fault is, as a path of keys and positions ("[2].zip_code",
    /// "results[0].more_info_fields.liste[1]"): the record being read is read again from its start
    /// up to the fault. Key names only, never a value. Empty outside a record.
    /// </summary>
    private string PathOfFault()
    {
        if (_position is not (Position.InBareArray or Position.InResults))
        {
            return string.Empty;
        }

        var from = _start + (int)(_recordStart - _bufferOffset);
        if (from < _start || from >= _end)
        {
            return string.Empty;
        }

        var path = new StringBuilder(_position == Position.InResults ? "results" : string.Empty)
            .Append('[').Append(_page.Records.ToString(CultureInfo.InvariantCulture)).Append(']');
        var frames = new System.Collections.Generic.List<(bool IsArray, int Index, string? Key)>();
        var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(_buffer, from, _end - from), isFinalBlock: false, new JsonReaderState(JsonLimits.ReaderOptions));
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    frames.RemoveAt(frames.Count - 1);
                    if (frames.Count == 0)
                    {
                        break;
                    }

                    continue;
                }

                if (token == JsonTokenType.PropertyName)
                {
                    frames[frames.Count - 1] = (false, 0, KeyShown(ref reader));
                    continue;
                }

                if (frames.Count > 0 && frames[frames.Count - 1].IsArray)
                {
                    frames[frames.Count - 1] = (true, frames[frames.Count - 1].Index + 1, null);
                }

                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Add((token == JsonTokenType.StartArray, -1, null));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // The fault itself: the frames say where it is; in a list, it is the next item.
            if (frames.Count > 0 && frames[frames.Count - 1].IsArray)
            {
                frames[frames.Count - 1] = (true, frames[frames.Count - 1].Index + 1, null);
            }
        }

        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            if (frame.IsArray && frame.Index >= 0)
            {
                path.Append('[').Append(frame.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (!frame.IsArray && frame.Key is not null)
            {
                path.Append('.').Append(frame.Key);
            }
        }

        return ", path '" + path + "'";
    }

    /// <summary>A key as a path shows it: its name, or its length when it is too long or cannot be read as text.</summary>
    private static string KeyShown(ref Utf8JsonReader reader)
    {
        string key;
        try
        {
            key = reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return "(a key of " + reader.ValueSpan.Length.ToString(CultureInfo.InvariantCulture) + " bytes that is not text)";
        }

        return key.Length <= 64 ? key : "(a key of " + key.Length.ToString(CultureInfo.InvariantCulture) + " characters)";
    }

    /// <summary>
    /// The JSON parser's words without the reply's own text it quotes between apostrophes (the
    /// token it stopped at can be the start of a value of a record).
    /// </summary>
    private static string WithoutQuotedText(string parserMessage)
    {
        var shown = new StringBuilder(parserMessage.Length);
        var quoted = false;
        foreach (var c in parserMessage)
        {
            if (c == '\'')
            {
                if (!quoted)
                {
                    shown.Append("(text of the reply)");
                }

                quoted = !quoted;
                continue;
            }

            if (!quoted)
            {
                shown.Append(c);
            }
        }

        return shown.ToString();
    }

    /// <summary>
    /// An envelope with 'results', 'next' or 'count' twice cannot be read one way: the records of
    /// two lists, or two links, would be taken for one page.
    /// </summary>
    private EnvelopeKeys CheckEnvelopeKeyOnce(ref Utf8JsonReader key)
    {
        var seen = key.ValueTextEquals("results") ? EnvelopeKeys.Results
            : key.ValueTextEquals("next") ? EnvelopeKeys.Next
            : key.ValueTextEquals("count") ? EnvelopeKeys.Count
            : EnvelopeKeys.None;
        if ((_envelopeKeys & seen) != 0)
        {
            throw Invalid("The page has '" + seen.ToString().ToLowerInvariant() + "' twice: which one is the page's cannot be told.", null);
        }

        return seen;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    [Flags]
    private enum EnvelopeKeys
    {
        None = 0,
        Results = 1,
        Next = 2,
        Count = 4,
    }
}
