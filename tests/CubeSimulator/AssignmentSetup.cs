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

    /// <summary>
    /// Synthetic records each carry one more key that no other record has ("Felt_&lt;index&gt;"), the
    /// worst case for one set of columns per call.
    /// </summary>
    public bool UniqueKeys { get; set; }

    /// <summary>Seed of the synthetic data, so that two runs serve the same records.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Records to serve as they are, for kind "custom".</summary>
    public List<JsonElement>? CustomRecords { get; set; }

    /// <summary>Answer 403 to every request.</summary>
    public bool Forbidden { get; set; }

    /// <summary>
    /// Page bodies sent verbatim (page N is Raw[N-1]; "{next}" becomes the URL of page N+1), in
    /// place of generated records, so that tests can serve any JSON text. Pages beyond it are 404.
    /// </summary>
    public List<string>? Raw { get; set; }

    /// <summary>Like <see cref="Raw"/>, as base64 bytes (for invalid UTF-8 and other arbitrary bytes); no "{next}".</summary>
    public List<byte[]>? RawBase64 { get; set; }

    /// <summary>Faults to inject; each applies while its conditions hold.</summary>
    public List<FaultSetup> Faults { get; set; } = new();

    /// <summary>
    /// Records deleted (positive) or inserted (negative) at the front by shift faults: position p
    /// of the current list is record p + FrontShift. Part of this setup, so a new POST resets it.
    /// Guarded by the lock on <see cref="Faults"/>.
    /// </summary>
    internal long FrontShift;
}

/// <summary>One injected fault.</summary>
public sealed class FaultSetup
{
    /// <summary>
    /// status | slowFirstByte | stallBody | resetMidBody | truncate | html | invalidUtf8 |
    /// foreignNext | nextLoop | resultsNotArray | shift | endlessNext | emptyPages | fragmentNext |
    /// emptyNext | gzipLie | gzipCorrupt | bomSplit
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

    /// <summary>For slowFirstByte and stallBody: how long to wait (60 s unless given); for bomSplit: the pause inside the BOM (50 ms).</summary>
    public int DelayMs
    {
        get => _delayMs ?? (Kind == "bomSplit" ? 50 : 60_000);
        set => _delayMs = value;
    }

    /// <summary>For stallBody, resetMidBody and truncate: bytes of the body sent first.</summary>
    public int AfterBytes { get; set; } = 200;

    /// <summary>For foreignNext: the host the next link points to.</summary>
    public string ForeignHost { get; set; } = "cube.example.invalid";

    /// <summary>For shift: the page after which the records shift (falls back to <see cref="Page"/>, then 1).</summary>
    public int? AfterPage { get; set; }

    /// <summary>For shift: -N deletes the first N records, +N inserts N new ones at the front.</summary>
    public int Delta { get; set; } = -1;

    /// <summary>For shift: shift every time the page is served, not only the first time.</summary>
    public bool Repeat { get; set; }

    internal int Used;

    /// <summary>For fragmentNext: the fragments handed out so far, so each next link differs.</summary>
    internal int Fragments;

    private int? _delayMs;

    /// <summary>The only page this fault applies to, if any: a shift is tied to the page it follows.</summary>
    internal int? OnlyPage => Kind == "shift" ? AfterPage ?? Page ?? 1 : Page;

    /// <summary>How many matching requests this fault applies to, if limited: a shift that does not repeat happens once.</summary>
    internal int? Limit => Kind == "shift" && !Repeat ? Math.Min(Times ?? 1, 1) : Times;
}
