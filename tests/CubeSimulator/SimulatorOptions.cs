using System.Globalization;

namespace CubeSimulator;

/// <summary>Command line: where to listen, which credentials to accept, which assignments to add.</summary>
public sealed class SimulatorOptions
{
    public int Port { get; private set; }

    /// <summary>A file to write the base URI to once listening (the port is chosen by the OS when 0).</summary>
    public string? PortFile { get; private set; }

    public string Token { get; private set; } = "cube-simulator-token";

    public string UserName { get; private set; } = "agent@example.com";

    public string Password { get; private set; } = "hemmelig-æøå-1";

    /// <summary>Page size of the built-in paged assignment (20).</summary>
    public int PageSize { get; private set; } = 100;

    /// <summary>Milliseconds every reply of the customer API waits before it is sent (a remote Cube's latency), on top of an assignment's own.</summary>
    public int ReplyDelayMs { get; private set; }

    /// <summary>Serve https with a self-signed certificate made at start (for certificate tests).</summary>
    public bool Https { get; private set; }

    /// <summary>The credential required of requests that come through the simulator as a proxy.</summary>
    public string ProxyUserName { get; private set; } = "proxyuser";

    public string ProxyPassword { get; private set; } = "proxy-pw";

    /// <summary>Exit when this process is gone, so a killed test run leaves no simulator behind.</summary>
    public int? ParentProcessId { get; private set; }

    /// <summary>Synthetic assignments from the command line: id=records[:pageSize[:latencyMs[:unique]]] (unique: every record has one key of its own).</summary>
    public List<(int Id, AssignmentSetup Setup)> Synthetic { get; } = new();

    public static SimulatorOptions Parse(string[] args)
    {
        var options = new SimulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("Missing value after " + args[i]);
            switch (args[i])
            {
                case "--port": options.Port = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--port-file": options.PortFile = Value(); break;
                case "--token": options.Token = Value(); break;
                case "--user": options.UserName = Value(); break;
                case "--password": options.Password = Value(); break;
                case "--page-size": options.PageSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--https": options.Https = true; break;
                case "--reply-delay-ms": options.ReplyDelayMs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--parent-pid": options.ParentProcessId = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--synthetic":
                {
                    var (id, setup) = ParseSynthetic(Value());
                    options.Synthetic.Add((id, setup));
                    break;
                }

                case "--help":
                    Console.WriteLine("CubeSimulator [--port N] [--port-file PATH] [--token T] [--user U] [--password P] [--page-size N] [--https] [--reply-delay-ms N] [--parent-pid PID] [--synthetic id=records[:pageSize[:latencyMs[:unique]]]]...");
                    Environment.Exit(0);
                    break;
                default: throw new ArgumentException("Unknown option " + args[i]);
            }
        }

        return options;
    }

    private static (int, AssignmentSetup) ParseSynthetic(string text)
    {
        var parts = text.Split('=', 2);
        var numbers = parts[1].Split(':');
        var setup = new AssignmentSetup
        {
            Records = long.Parse(numbers[0], CultureInfo.InvariantCulture),
            PageSize = numbers.Length > 1 ? int.Parse(numbers[1], CultureInfo.InvariantCulture) : 500,
            LatencyMs = numbers.Length > 2 ? int.Parse(numbers[2], CultureInfo.InvariantCulture) : 0,
            UniqueKeys = numbers.Length > 3 && numbers[3] == "unique",
        };
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), setup);
    }
}
