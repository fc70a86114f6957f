using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CubeSimulator;

/// <summary>
/// GET /crm/assignment_id/{id}/customers: authentication (Token or Basic, else 401), 403 and 404,
/// a bare array or the paged envelope with absolute next links (?page=N, optional page_size), per
/// page latency, and the faults an assignment is configured with.
/// </summary>
public sealed class CustomerEndpoint
{
    private const int FlushEvery = 32 * 1024;

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
        var body = new BodyWriter(context, faults.FirstOrDefault(f => f.Kind is "stallBody" or "resetMidBody" or "truncate"));
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
                if (fault.Page is { } onlyPage && onlyPage != page)
                {
                    continue;
                }

                if (fault.Times is { } times && fault.Used >= times)
                {
                    continue;
                }

                fault.Used++;
                active.Add(fault);
            }
        }

        return active;
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

        var paged = pageSize > 0;
        var first = paged ? (long)(page - 1) * pageSize : 0;
        var end = paged ? Math.Min(total, first + pageSize) : total;
        var buffer = new ArrayBufferWriter<byte>(FlushEvery * 2);
        using var writer = new Utf8JsonWriter(buffer, SimulatorJson.WriterOptions);

        if (paged)
        {
            writer.WriteStartObject();
            writer.WriteNumber("count", total);
            writer.WritePropertyName("next");
            var nextUri = end < total ? PageUri(context, page + 1, faults) : null;
            if (faults.Any(f => f.Kind == "nextLoop"))
            {
                nextUri = PageUri(context, Math.Max(1, page - 1), faults);
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
        for (var index = first; index < end; index++)
        {
            WriteRecord(writer, assignmentId, setup, index, invalidUtf8: index == first && faults.Any(f => f.Kind == "invalidUtf8"));
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

    private static void WriteRecord(Utf8JsonWriter writer, int assignmentId, AssignmentSetup setup, long index, bool invalidUtf8)
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
                SyntheticCustomers.Write(writer, setup.Seed, assignmentId, index);
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
            var data = buffer.WrittenMemory;
            var token = _context.RequestAborted;
            if (_fault is not null && _sent + data.Length > _fault.AfterBytes)
            {
                var before = (int)Math.Max(0, _fault.AfterBytes - _sent);
                await _context.Response.Body.WriteAsync(data[..before], token);
                await _context.Response.Body.FlushAsync(token);
                buffer.ResetWrittenCount();
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
            buffer.ResetWrittenCount();
            return true;
        }
    }
}
