using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CubeSimulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// The Cube simulator: Cube's customer data API on 127.0.0.1, for CubePS's tests, demo and benchmark.
var options = SimulatorOptions.Parse(args);
var builder = WebApplication.CreateSlimBuilder();
if (Environment.GetEnvironmentVariable("CUBE_SIMULATOR_LOG") is null) builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
    {
        if (options.Https)
        {
            listen.UseHttps(SelfSignedCertificate.Create());
        }
    });
    kestrel.Limits.MaxConcurrentConnections = null;
});

var app = builder.Build();
var store = new AssignmentStore(options);
var stats = new SimulatorStats();
var customers = new CustomerEndpoint(store, options, stats);

// A request in absolute form (GET http://host/path) came through the simulator as a proxy: it
// must carry the proxy credential (407 otherwise), then is served like any other.
var proxyCredential = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(options.ProxyUserName + ":" + options.ProxyPassword));
app.Use(async (context, next) =>
{
    var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? string.Empty;
    if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && context.Request.Headers["Proxy-Authorization"] != proxyCredential)
    {
        context.Response.StatusCode = 407;
        context.Response.Headers["Proxy-Authenticate"] = "Basic realm=\"CubeSimulator\"";
        return;
    }

    if (options.ReplyDelayMs > 0 && context.Request.Path.StartsWithSegments("/crm"))
    {
        // Every reply of the API, a failure too, waits as a remote Cube's would.
        await Task.Delay(options.ReplyDelayMs, context.RequestAborted);
    }

    await next();
});

app.MapGet("/crm/assignment_id/{id:int}/customers", (HttpContext context, int id) => customers.ServeAsync(context, id));

// Control endpoints for tests (loopback only, no authentication: this is a test tool).
app.MapPost("/_sim/assignments/{id:int}", async (HttpContext context, int id) =>
{
    var setup = await JsonSerializer.DeserializeAsync<AssignmentSetup>(context.Request.Body, SimulatorJson.Options) ?? new AssignmentSetup();
    store.Set(id, setup);
    return Results.NoContent();
});
app.MapDelete("/_sim/assignments/{id:int}", (int id) => store.Remove(id) ? Results.NoContent() : Results.NotFound());
app.MapGet("/_sim/stats", () => Results.Json(stats.Snapshot()));
app.MapPost("/_sim/stats/reset", () =>
{
    stats.Reset();
    return Results.NoContent();
});
app.MapPost("/_sim/reset", () =>
{
    store.Reset();
    stats.Reset();
    return Results.NoContent();
});

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var baseUri = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/";
if (options.PortFile is { } portFile)
{
    // Written whole under another name, then renamed, so a reader never sees half a line.
    File.WriteAllText(portFile + ".tmp", baseUri);
    File.Move(portFile + ".tmp", portFile, overwrite: true);
}

Console.WriteLine("Cube simulator listening on " + baseUri);
Console.Out.Flush();

if (options.ParentProcessId is { } parentId)
{
    _ = Task.Run(async () =>
    {
        while (true)
        {
            await Task.Delay(1000);
            try
            {
                using var parent = Process.GetProcessById(parentId);
                if (parent.HasExited) break;
            }
            catch (ArgumentException)
            {
                break;
            }
        }

        await app.StopAsync();
    });
}

await app.WaitForShutdownAsync();
