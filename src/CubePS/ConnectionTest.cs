using System;

namespace CubePS;

/// <summary>What Test-CubeConnection found.</summary>
public sealed class ConnectionTest
{
    internal ConnectionTest(Connection connection, int? assignmentId, bool reachable, bool? authenticated, int? status, TimeSpan? latency, string? tlsProtocol, long? customers, string? errorId, string message)
    {
        BaseUri = connection.BaseUri;
        Authentication = connection.AuthenticationKind;
        AssignmentId = assignmentId;
        Reachable = reachable;
        Authenticated = authenticated;
        Status = status;
        Latency = latency;
        TlsProtocol = tlsProtocol;
        Customers = customers;
        ErrorId = errorId;
        Message = message;
    }

    public Uri BaseUri { get; }

    public CubeAuthenticationKind Authentication { get; }

    /// <summary>The assignment whose first page was asked for, if any.</summary>
    public int? AssignmentId { get; }

    /// <summary>True when Cube's host answered.</summary>
    public bool Reachable { get; }

    /// <summary>
    /// True when Cube accepted the credentials (a page, or a 403/404 about the assignment), false
    /// when it refused them (401), null when nothing asked it (no -AssignmentId) or its answer
    /// did not say (a 5xx, a 429, a reply that is not a page).
    /// </summary>
    public bool? Authenticated { get; }

    /// <summary>The HTTP status of the assignment's first page.</summary>
    public int? Status { get; }

    /// <summary>The time to connect and agree TLS, or for the first page's answer to begin.</summary>
    public TimeSpan? Latency { get; }

    /// <summary>The TLS version agreed ("Tls12", "Tls13"); empty for http or through a proxy.</summary>
    public string? TlsProtocol { get; }

    /// <summary>How many customers the assignment holds, when the reply says.</summary>
    public long? Customers { get; }

    /// <summary>The id of the error the test found (CubeAuthenticationFailed, CubeConnectionFailed, ...); empty when it passed.</summary>
    public string? ErrorId { get; }

    /// <summary>What the test found, in words.</summary>
    public string Message { get; }

    /// <summary>True when everything tested passed.</summary>
    public bool Succeeded => ErrorId is null;
}
