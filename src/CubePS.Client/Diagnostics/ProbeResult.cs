using System;

namespace CubePS.Diagnostics;

/// <summary>What a connection test found.</summary>
internal sealed class ProbeResult
{
    /// <summary>True when Cube's host answered (a TCP connection, or any HTTP reply).</summary>
    public bool Reachable { get; set; }

    /// <summary>True when Cube accepted the credentials, false when it refused them, null when nothing asked it.</summary>
    public bool? Authenticated { get; set; }

    /// <summary>The HTTP status of the assignment's first page, when one was asked for.</summary>
    public int? StatusCode { get; set; }

    /// <summary>The time to connect and secure the connection, or for the first page to begin.</summary>
    public TimeSpan? Latency { get; set; }

    /// <summary>The TLS version the server agreed to ("Tls12", "Tls13"); null for http or when a proxy stands between.</summary>
    public string? TlsProtocol { get; set; }

    /// <summary>How many customers the assignment holds, when the reply says (or is the whole list).</summary>
    public long? Customers { get; set; }

    /// <summary>The failure the test found; null when everything tested passed.</summary>
    public CubeException? Failure { get; set; }

    /// <summary>What was found, in words.</summary>
    public string Message { get; set; } = string.Empty;
}
