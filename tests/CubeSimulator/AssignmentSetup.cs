using System.Text.Json;

namespace CubeSimulator;

/// <summary>
/// How the simulator serves one assignment. Posted as JSON to /_sim/assignments/{id}; see README
/// in this folder.
/// </summary>
public sealed class AssignmentSetup
{
    /// <summary>"synthetic" (generated records), "b2b" (assignment 9's data), "b2c" (assignment 12's data), "custom" (<see cref="CustomRecords"/>).</summary>
    public string Kind { get; set; } = "synthetic";

    /// <summary>Number of synthetic records.</summary>
    public long Records { get; set; }

    /// <summary>Records per page of the envelope; 0 serves one bare JSON array, as in the seed.</summary>
    public int PageSize { get; set; }

    /// <summary>Wait before answering each request, as a distant server would.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Seed of the synthetic data, so that two runs serve the same records.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Records to serve as they are, for kind "custom".</summary>
    public List<JsonElement>? CustomRecords { get; set; }

    /// <summary>Answer 403 to every request.</summary>
    public bool Forbidden { get; set; }

    /// <summary>Faults to inject; each applies while its conditions hold.</summary>
    public List<FaultSetup> Faults { get; set; } = new();
}

/// <summary>One injected fault.</summary>
public sealed class FaultSetup
{
    /// <summary>
    /// status | slowFirstByte | stallBody | resetMidBody | truncate | html | invalidUtf8 |
    /// foreignNext | nextLoop | resultsNotArray
    /// </summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Only on this page (1-based); every page when null.</summary>
    public int? Page { get; set; }

    /// <summary>Only for this many matching requests; every time when null.</summary>
    public int? Times { get; set; }

    /// <summary>For "status": the status to answer with.</summary>
    public int Status { get; set; } = 503;

    /// <summary>For "status": a Retry-After header, either seconds ("2") or "date:+2" for an HTTP date 2 s ahead.</summary>
    public string? RetryAfter { get; set; }

    /// <summary>For slowFirstByte and stallBody: how long to wait.</summary>
    public int DelayMs { get; set; } = 60_000;

    /// <summary>For stallBody, resetMidBody and truncate: bytes of the body sent first.</summary>
    public int AfterBytes { get; set; } = 200;

    /// <summary>For foreignNext: the host the next link points to.</summary>
    public string ForeignHost { get; set; } = "cube.example.invalid";

    internal int Used;
}
