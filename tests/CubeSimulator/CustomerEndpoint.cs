using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CubeSimulator;

/// <summary>
/// GET /crm/assignment_id/{id}/customers: authentication (Token or Basic, else 401), 403 and 404,
/// a bare array or the paged envelope with absolute next links (?page=N, optional page_size), per
/// page latency, raw page bodies, and the faults an assignment is configured with.
/// </summary>
public sealed class CustomerEndpoint
{
    private const int FlushEvery = 32 * 1024;

    private static readonly byte[] ByteOrderMark = { 0xEF, 0xBB, 0xBF };

    // A valid gzip header (deflate, no flags, no time, unknown OS), then a deflate block of the
    // reserved type 3 (0xFF) and more junk: any gzip reader fails, however far it gets.
    private static readonly byte[] CorruptGzip =
    {
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF,
        0xFF, 0xDE, 0xAD, 0xBE, 0xEF, 0x7B, 0x22, 0x63, 0x6F, 0x75, 0x6E, 0x74, 0x22, 0x3A, 0x00, 0x13, 0x37, 0xC0, 0xFF, 0xEE,
    };

    private readonly AssignmentStore _store;
    private readonly SimulatorOptions _options;
    private readonly SimulatorStats _stats;
    private readonly string _basicCredential;

    public CustomerEndpoint(AssignmentStore store, SimulatorOptions options, SimulatorStats stats)
    {
        _store = store;
        _options = options;
        _stats = stats;
        _basicCredential = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.UserName + ":" + options.Password));
    }

    public async Task ServeAsync(HttpContext context, int assignmentId)
    {
        _stats.Started(context.Request.Host.Value ?? string.Empty, assignmentId);
        var aborted = false;
        try
        {
            await ServeCoreAsync(context, assignmentId);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            aborted = true;
        }
        catch (IOException)
        {
            aborted = true;
        }
        finally
        {
            aborted |= context.RequestAborted.IsCancellationRequested;
            _stats.Finished(aborted);
        }
    }

    private async Task ServeCoreAsync(HttpContext context, int assignmentId)
    {
        var request = context.Request;
        var response = context.Response;
        var token = context.RequestAborted;

        var authorization = request.Headers.Authorization.ToString();
        if (!IsAuthorized(authorization))
        {
            // Echoes what it got, as careless servers do: the client must mask it.
            response.StatusCode = 401;
            response.Headers.WWWAuthenticate = "Token";
            await response.WriteAsJsonAsync(new { detail = "Invalid credentials: " + authorization }, token);
            return;
        }

        var setup = _store.Find(assignmentId);
        if (setup is null)
        {
            response.StatusCode = 404;
            await response.WriteAsJsonAsync(new { detail = "Not found." }, token);
            return;
        }

        if (setup.Forbidden)
        {
            response.StatusCode = 403;
            await response.WriteAsJsonAsync(new { detail = "You do not have permission to perform this action." }, token);
            return;
        }

        var page = int.TryParse(request.Query["page"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var pageSize = int.TryParse(request.Query["page_size"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : setup.PageSize;
        var rawPages = setup.Raw?.Count ?? setup.RawBase64?.Count;
        if (rawPages is { } pages && page > pages)
        {
            response.StatusCode = 404;
            await response.WriteAsJsonAsync(new { detail = "Invalid page." }, token);
            return;
        }

        var faults = ActiveFaults(setup, page);

        if (setup.LatencyMs > 0)
        {
            await Task.Delay(setup.LatencyMs, token);
        }

        if (faults.FirstOrDefault(f => f.Kind == "slowFirstByte") is { } slow)
        {
            await Task.Delay(slow.DelayMs, token);
        }

        if (faults.FirstOrDefault(f => f.Kind == "status") is { } status)
        {
            response.StatusCode = status.Status;
            if (status.RetryAfter is { } retryAfter)
            {
                response.Headers.RetryAfter = retryAfter.StartsWith("date:+", StringComparison.Ordinal)
                    ? DateTimeOffset.UtcNow.AddSeconds(double.Parse(retryAfter["date:+".Length..], CultureInfo.InvariantCulture)).ToString("R", CultureInfo.InvariantCulture)
                    : retryAfter;
            }

            await response.WriteAsync($"<html><body><h1>{status.Status}</h1><p>Cube is having a moment (simulated).</p></body></html>", token);
            return;
        }

        if (faults.Any(f => f.Kind == "html"))
        {
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync("<!DOCTYPE html><html><head><title>Cube – Logg inn</title></head><body><form action=\"/login\"><input name=\"username\"><input type=\"password\" name=\"password\"></form></body></html>", token);
            return;
        }

        response.ContentType = "application/json; charset=utf-8";
        if (faults.Any(f => f.Kind is "gzipLie" or "gzipCorrupt"))
        {
            // Set by hand (no compression middleware runs here), so the body is whatever is written below.
            response.Headers.ContentEncoding = "gzip";
        }

        if (faults.Any(f => f.Kind == "gzipCorrupt"))
        {
            await response.Body.WriteAsync(CorruptGzip, token);
            return;
        }

        var body = new BodyWriter(context, faults.FirstOrDefault(f => f.Kind is "stallBody" or "resetMidBody" or "truncate"));
        if (faults.FirstOrDefault(f => f.Kind == "bomSplit") is { } bom && !await body.WriteSplitAsync(ByteOrderMark, 1, bom.DelayMs))
        {
            return;
        }

        if (setup.Raw is { } raw)
        {
            var text = raw[page - 1].Replace("{next}", PageUri(context, page + 1, faults), StringComparison.Ordinal);
            await body.WriteAsync(Encoding.UTF8.GetBytes(text));
            return;
        }

        if (setup.RawBase64 is { } rawBytes)
        {
            await body.WriteAsync(rawBytes[page - 1]);
            return;
        }

        await WriteCustomersAsync(body, context, assignmentId, setup, page, pageSize, faults);
    }

    private bool IsAuthorized(string header) =>
        header == "Token " + _options.Token || header == "Basic " + _basicCredential;

    /// <summary>The faults that apply to this request; each use of a limited fault counts.</summary>
    private static List<FaultSetup> ActiveFaults(AssignmentSetup setup, int page)
    {
        var active = new List<FaultSetup>();
        lock (setup.Faults)
        {
            foreach (var fault in setup.Faults)
            {
                if (fault.OnlyPage is { } onlyPage && onlyPage != page)
                {
                    continue;
                }

                if (fault.Limit is { } times && fault.Used >= times)
                {
                    continue;
                }

                // A shift counts when it happens (TakeShift): a request answered with a 503 served no page.
                if (fault.Kind != "shift")
                {
                    fault.Used++;
                }

                active.Add(fault);
            }
        }

        return active;
    }

    /// <summary>
    /// The shift this request's records see; the shifts this page triggers take effect right after
    /// (its records are fixed by then), for later requests.
    /// </summary>
    private static long TakeShift(AssignmentSetup setup, List<FaultSetup> faults)
    {
        lock (setup.Faults)
        {
            var shift = setup.FrontShift;
            foreach (var fault in faults.Where(f => f.Kind == "shift"))
            {
                if (fault.Limit is { } times && fault.Used >= times)
                {
                    continue;
                }

                fault.Used++;
                setup.FrontShift -= fault.Delta;
            }

            return shift;
        }
    }

    private static async Task WriteCustomersAsync(BodyWriter body, HttpContext context, int assignmentId, AssignmentSetup setup, int page, int pageSize, List<FaultSetup> faults)
    {
        var total = setup.Kind switch
        {
            "b2b" => SeedData.B2BRecords.Count,
            "b2c" => SeedData.B2CRecords.Count,
            "custom" => setup.CustomRecords?.Count ?? 0,
            _ => setup.Records,
        };

        // Pages are cut from the current list: position p is record p + shift.
        var shift = TakeShift(setup, faults);
        var count = Math.Max(0, total - shift);
        var paged = pageSize > 0;
        var endless = paged && faults.Any(f => f.Kind == "endlessNext");
        var first = paged ? (long)(page - 1) * pageSize : 0;
        var end = !paged ? count : endless ? first + pageSize : Math.Min(count, first + pageSize);
        var extra = first + shift < 0 || end + shift > total ? ExtraRecords.For(setup) : null;
        var buffer = new ArrayBufferWriter<byte>(FlushEvery * 2);
        using var writer = new Utf8JsonWriter(buffer, SimulatorJson.WriterOptions);

        if (paged)
        {
            writer.WriteStartObject();
            writer.WriteNumber("count", count);
            writer.WritePropertyName("next");
            var nextUri = end < count ? PageUri(context, page + 1, faults) : null;
            if (faults.Any(f => f.Kind is "endlessNext" or "emptyPages"))
            {
                nextUri = PageUri(context, page + 1, faults);
            }

            if (faults.FirstOrDefault(f => f.Kind == "fragmentNext") is { } fragment)
            {
                nextUri = PageUri(context, page, faults) + "#f" + Interlocked.Increment(ref fragment.Fragments).ToString(CultureInfo.InvariantCulture);
            }

            if (faults.Any(f => f.Kind == "nextLoop"))
            {
                nextUri = PageUri(context, Math.Max(1, page - 1), faults);
            }

            if (nextUri is null && faults.Any(f => f.Kind == "emptyNext"))
            {
                nextUri = string.Empty;
            }

            if (nextUri is null) writer.WriteNullValue(); else writer.WriteStringValue(nextUri);
            writer.WritePropertyName("previous");
            if (page > 1) writer.WriteStringValue(PageUri(context, page - 1, faults)); else writer.WriteNullValue();
            writer.WritePropertyName("results");
            if (faults.Any(f => f.Kind == "resultsNotArray"))
            {
                writer.WriteStartObject();
                writer.WriteString("error", "results is an object here (simulated)");
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.Flush();
                await body.WriteAsync(buffer);
                return;
            }
        }

        writer.WriteStartArray();
        for (var position = first; position < end; position++)
        {
            WriteRecord(writer, assignmentId, setup, position + shift, extra, invalidUtf8: position == first && faults.Any(f => f.Kind == "invalidUtf8"));
            if (buffer.WrittenCount >= FlushEvery)
            {
                writer.Flush();
                if (!await body.WriteAsync(buffer))
                {
                    return;
                }
            }
        }

        writer.WriteEndArray();
        if (paged)
        {
            writer.WriteEndObject();
        }

        writer.Flush();
        await body.WriteAsync(buffer);
    }

    private static void WriteRecord(Utf8JsonWriter writer, int assignmentId, AssignmentSetup setup, long index, ExtraRecords? extra, bool invalidUtf8)
    {
        if (invalidUtf8)
        {
            // "Bod" + 0xC3 0x28: a broken two-byte sequence where 'ø' should be.
            var bytes = Encoding.Latin1.GetBytes("{\"customer_id\": 1, \"name\": \"Bod\u00ff\u00ff\", \"city\": null}");
            bytes[Array.IndexOf(bytes, (byte)0xFF)] = 0xC3;
            bytes[Array.IndexOf(bytes, (byte)0xFF)] = 0x28;
            writer.WriteRawValue(bytes, skipInputValidation: true);
            return;
        }

        if (extra is not null && (index < 0 || index >= extra.Count))
        {
            extra.Write(writer, index);
            return;
        }

        switch (setup.Kind)
        {
            case "b2b":
                writer.WriteRawValue(SeedData.B2BRecords[(int)index], skipInputValidation: true);
                break;
            case "b2c":
                writer.WriteRawValue(SeedData.B2CRecords[(int)index], skipInputValidation: true);
                break;
            case "custom":
                setup.CustomRecords![(int)index].WriteTo(writer);
                break;
            default:
                SyntheticCustomers.Write(writer, setup.Seed, assignmentId, index, setup.UniqueKeys);
                break;
        }
    }

    private static string PageUri(HttpContext context, int page, List<FaultSetup> faults)
    {
        var request = context.Request;
        var host = request.Host.Value;
        if (faults.FirstOrDefault(f => f.Kind == "foreignNext") is { } foreign)
        {
            host = foreign.ForeignHost;
        }

        var query = "?page=" + page.ToString(CultureInfo.InvariantCulture);
        if (request.Query.TryGetValue("page_size", out var size))
        {
            query += "&page_size=" + size;
        }

        return request.Scheme + "://" + host + request.PathBase + request.Path + query;
    }

    /// <summary>
    /// Records outside a fixed list (b2b, b2c, custom): inserted at the front by a shift (index
    /// below 0) or past the end for endlessNext. Each is a copy of the first record with a
    /// customer_id no other record has: counting down from the lowest, or up from the highest.
    /// Synthetic records need none of this: any index makes a record with an id of its own.
    /// </summary>
    private sealed class ExtraRecords
    {
        private readonly JsonElement? _template;
        private readonly long _lowestId;
        private readonly long _highestId;

        private ExtraRecords(IReadOnlyList<JsonElement> records)
        {
            Count = records.Count;
            _template = records.Count > 0 ? records[0] : null;
            var ids = records.Select(CustomerId).OfType<long>().ToList();
            _lowestId = ids.Count > 0 ? ids.Min() : 1;
            _highestId = ids.Count > 0 ? ids.Max() : records.Count;
        }

        public long Count { get; }

        /// <summary>Null for synthetic assignments.</summary>
        public static ExtraRecords? For(AssignmentSetup setup) => setup.Kind switch
        {
            "b2b" => new ExtraRecords(SeedData.B2BRecords.Select(r => JsonSerializer.Deserialize<JsonElement>(r)).ToList()),
            "b2c" => new ExtraRecords(SeedData.B2CRecords.Select(r => JsonSerializer.Deserialize<JsonElement>(r)).ToList()),
            "custom" => new ExtraRecords(setup.CustomRecords ?? new List<JsonElement>()),
            _ => null,
        };

        public void Write(Utf8JsonWriter writer, long index)
        {
            writer.WriteStartObject();
            writer.WriteNumber("customer_id", index < 0 ? _lowestId + index : _highestId + (index - Count + 1));
            if (_template is { ValueKind: JsonValueKind.Object } template)
            {
                foreach (var property in template.EnumerateObject().Where(p => p.Name != "customer_id"))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        private static long? CustomerId(JsonElement record) =>
            record.ValueKind == JsonValueKind.Object && record.TryGetProperty("customer_id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value) ? value : null;
    }

    /// <summary>Sends the body, applying a stall, a connection reset or a clean cut after some bytes.</summary>
    private sealed class BodyWriter
    {
        private readonly HttpContext _context;
        private readonly FaultSetup? _fault;
        private long _sent;

        public BodyWriter(HttpContext context, FaultSetup? fault)
        {
            _context = context;
            _fault = fault;
        }

        /// <summary>Sends what the buffer holds and empties it; false once the body has ended early.</summary>
        public async Task<bool> WriteAsync(ArrayBufferWriter<byte> buffer)
        {
            var written = await WriteAsync(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
            return written;
        }

        /// <summary>
        /// Sends the first <paramref name="split"/> bytes, flushed, then after a pause the rest, so
        /// that a client's first read can end between them.
        /// </summary>
        public async Task<bool> WriteSplitAsync(byte[] data, int split, int delayMs)
        {
            if (!await WriteAsync(data.AsMemory(0, split)))
            {
                return false;
            }

            await _context.Response.Body.FlushAsync(_context.RequestAborted);
            await Task.Delay(delayMs, _context.RequestAborted);
            return await WriteAsync(data.AsMemory(split));
        }

        /// <summary>Sends the data; false once the body has ended early.</summary>
        public async Task<bool> WriteAsync(ReadOnlyMemory<byte> data)
        {
            var token = _context.RequestAborted;
            if (_fault is not null && _sent + data.Length > _fault.AfterBytes)
            {
                var before = (int)Math.Max(0, _fault.AfterBytes - _sent);
                await _context.Response.Body.WriteAsync(data[..before], token);
                await _context.Response.Body.FlushAsync(token);
                switch (_fault.Kind)
                {
                    case "stallBody":
                        await Task.Delay(_fault.DelayMs, token);
                        _context.Abort();
                        break;
                    case "resetMidBody":
                        _context.Abort();
                        break;
                    case "truncate":
                        break;
                }

                return false;
            }

            await _context.Response.Body.WriteAsync(data, token);
            _sent += data.Length;
            return true;
        }
    }
}
