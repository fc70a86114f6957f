using System;
using System.Diagnostics;
using System.Net.Http;

namespace CubePS.Http;

/// <summary>A successful reply whose body has not been read yet.</summary>
internal sealed class CubeReply : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IDisposable _lease;

    /// <param name="lease">The request slot and client, given back when the reply is disposed.</param>
    public CubeReply(HttpResponseMessage response, TimeoutReadStream body, Stopwatch stopwatch, IDisposable lease)
    {
        _response = response;
        Body = body;
        Stopwatch = stopwatch;
        _lease = lease;
    }

    public TimeoutReadStream Body { get; }

    /// <summary>Started when the request was sent.</summary>
    public Stopwatch Stopwatch { get; }

    public int StatusCode => (int)_response.StatusCode;

    /// <summary>The whole Content-Type header, parameters such as charset included.</summary>
    public string? ContentType => _response.Content.Headers.ContentType?.ToString();

    public void Dispose()
    {
        Body.Dispose();
        _response.Dispose();
        _lease.Dispose();
    }
}
