using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using CubePS.Http;

namespace CubePS.Client.Tests;

/// <summary>A Cube server in memory: answers each request with whatever the test says, and remembers the requests.</summary>
internal sealed class FakeCube : HttpMessageHandler
{
    public const string Token = "test-token-0123456789";
    public const string BaseUri = "https://acme.headshed.com/";

    private readonly Func<HttpRequestMessage, int, HttpResponseMessage> _respond;
    private int _calls;

    public FakeCube(Func<HttpRequestMessage, int, HttpResponseMessage> respond) => _respond = respond;

    public List<SeenRequest> Requests { get; } = new();

    /// <summary>The answer this fake gives, for a test that wraps it in another.</summary>
    public HttpResponseMessage Respond(HttpRequestMessage request, int call) => _respond(request, call);

    /// <summary>A fake that answers every request for <paramref name="path"/> with the same JSON.</summary>
    public static FakeCube Serving(params (string PathAndQuery, string Json)[] pages) => new((request, _) =>
    {
        foreach (var (pathAndQuery, json) in pages)
        {
            if (request.RequestUri!.PathAndQuery == pathAndQuery)
            {
                return Json(json);
            }
        }

        return Json("{\"detail\":\"Not found.\"}", HttpStatusCode.NotFound);
    });

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Body(Stream stream, string contentType = "application/json")
    {
        var content = new StreamContent(stream);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    public Connection Connect(Action<ConnectionOptions>? configure = null)
    {
        var options = new ConnectionOptions { BaseUri = new Uri(BaseUri), Token = Secure(Token) };
        configure?.Invoke(options);
        return Connection.Create(options, () => this);
    }

    public static SecureString Secure(string text) => SecretText.Protect(text);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Requests)
        {
            Requests.Add(new SeenRequest(request.Method.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), request.Headers.Accept.ToString()));
        }

        var response = _respond(request, Interlocked.Increment(ref _calls) - 1);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }

    protected override void Dispose(bool disposing)
    {
        // The test owns the fake; a connection closing its client must not end it.
    }
}

internal sealed record SeenRequest(string Method, Uri Uri, string? Authorization, string Accept);

/// <summary>Records what the client logs.</summary>
internal sealed class RecordingLog : ICubeLog
{
    public List<string> Messages { get; } = new();

    public List<DownloadProgress> ProgressReports { get; } = new();

    public bool IsVerboseEnabled => true;

    public bool IsDebugEnabled => true;

    public void Verbose(string message) => Add("VERBOSE: " + message);

    public void Debug(string message) => Add("DEBUG: " + message);

    public void Warning(string message) => Add("WARNING: " + message);

    public void Writing(long written, long total)
    {
    }

    public void Progress(DownloadProgress progress)
    {
        lock (ProgressReports)
        {
            ProgressReports.Add(progress);
        }
    }

    private void Add(string message)
    {
        lock (Messages)
        {
            Messages.Add(message);
        }
    }
}

/// <summary>Runs downloads the way Get-CubeCustomer does, with retry waits recorded instead of slept.</summary>
internal sealed class DownloadRun
{
    public DownloadRun(Connection connection, RequestSettings? settings = null)
    {
        Connection = connection;
        Settings = settings ?? new RequestSettings(5, 2, 1);
        Sender = new RequestSender(connection, Settings, Log);
        Retries = new RetryLoop(Settings, Log, (wait, token) =>
        {
            lock (Waits)
            {
                Waits.Add(wait);
            }

            return Task.CompletedTask;
        });
    }

    public Connection Connection { get; }

    public RequestSettings Settings { get; }

    public RecordingLog Log { get; } = new();

    public List<TimeSpan> Waits { get; } = new();

    internal RequestSender Sender { get; }

    internal RetryLoop Retries { get; }

    internal CustomerDownloader Downloader() => new(Connection, Sender, Retries, Log);

    public async Task<Result> RunAsync(CustomerCollectionOptions? options, params int[] assignmentIds) =>
        await RunAsync(options, null, assignmentIds);

    public async Task<Result> RunAsync(CustomerCollectionOptions? options, IReadOnlyCollection<long>? customerIds, params int[] assignmentIds)
    {
        var collection = new CustomerCollection(options ?? new CustomerCollectionOptions());
        var downloader = Downloader();
        foreach (var id in assignmentIds)
        {
            await downloader.DownloadAsync(id, customerIds is null ? null : new CubePS.Selection.WantedCustomerIds(customerIds.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))), collection, CancellationToken.None);
        }

        return new Result(collection);
    }

    public sealed class Result : IDisposable
    {
        public Result(CustomerCollection collection)
        {
            Collection = collection;
            Names = collection.PropertyNames.ToArray();
            Rows = collection.ReadRecords().Select(values => (object?[])values.Clone()).ToList();
        }

        public CustomerCollection Collection { get; }

        public string[] Names { get; }

        public List<object?[]> Rows { get; }

        public object? Value(int row, string name) => Rows[row][Array.IndexOf(Names, name)];

        public void Dispose() => Collection.Dispose();
    }
}

/// <summary>A body that sends some bytes, then fails like a dropped connection, or stalls until cancelled.</summary>
internal sealed class FaultyStream : ReadOnlyBodyStream
{
    private readonly byte[] _data;
    private readonly int _failAfter;
    private readonly bool _stall;
    private int _position;

    public FaultyStream(string text, int failAfter, bool stall = false)
    {
        _data = Encoding.UTF8.GetBytes(text);
        _failAfter = failAfter;
        _stall = stall;
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_position >= _failAfter)
        {
            if (_stall)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            throw new IOException("The connection was reset (simulated).");
        }

        var n = Math.Min(count, Math.Min(_failAfter, _data.Length) - _position);
        Array.Copy(_data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
}

/// <summary>A log that drops everything.</summary>
internal sealed class NullCubeLog : ICubeLog
{
    public static readonly NullCubeLog Instance = new();

    public bool IsVerboseEnabled => false;

    public bool IsDebugEnabled => false;

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Writing(long written, long total)
    {
    }

    public void Progress(DownloadProgress progress)
    {
    }
}
