namespace KeyAdmin.Benchmarks.Service;

/// <summary>The service command's options; the defaults are those of the run in docs/PERFORMANCE.md.</summary>
public sealed record ServiceOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>The stores to run the service over, in this order (--engine, repeatable: sqlite, postgres; default both).</summary>
    public IReadOnlyList<string> Engines { get; init; } = [Sqlite, Postgres];

    /// <summary>Seconds of each measured wrk run (--duration).</summary>
    public int DurationSeconds { get; init; } = 10;

    /// <summary>Seconds of the unmeasured run of each endpoint before the first round, for the JIT and the pools (--warmup; 0 for none).</summary>
    public int WarmupSeconds { get; init; } = 15;

    /// <summary>Rounds of one verified and one unverified run, in alternating order (--rounds); medians are reported.</summary>
    public int Rounds { get; init; } = 5;

    /// <summary>wrk's connections (--connections) and threads (--threads).</summary>
    public int Connections { get; init; } = 8;

    public int Threads { get; init; } = 1;

    /// <summary>wrk (--wrk): on PATH by default (Debian package wrk).</summary>
    public string Wrk { get; init; } = "wrk";

    /// <summary>KeyAdmin.ExampleService.dll (--service): by default the copy the build puts beside this program.</summary>
    public string ServiceAssembly { get; init; } = Path.Combine(AppContext.BaseDirectory, "example-service", "KeyAdmin.ExampleService.dll");

    /// <summary>Where the stores, scripts and logs go (--work); a new temp folder by default, deleted at the end unless --keep.</summary>
    public string? WorkFolder { get; init; }

    public bool Keep { get; init; }

    /// <summary>Writes every figure as JSON too (--json).</summary>
    public string? JsonPath { get; init; }

    public static ServiceOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServiceOptions();
        var engines = new List<string>();
        var read = new Support.BenchArguments(args, "--engine sqlite|postgres (repeatable) --duration S --warmup S --rounds N --connections N --threads N --wrk PATH --service DLL");
        foreach (var name in read.Names())
        {
            switch (name)
            {
                case "--engine":
                    var engine = read.Value().ToLowerInvariant();
                    engines.Add(engine is Sqlite or Postgres ? engine : throw new ArgumentException($"--engine is {Sqlite} or {Postgres}, not '{engine}'."));
                    break;
                case "--duration":
                    options = options with { DurationSeconds = read.Count(1) };
                    break;
                case "--warmup":
                    options = options with { WarmupSeconds = read.Count(0) };
                    break;
                case "--rounds":
                    options = options with { Rounds = read.Count(1) };
                    break;
                case "--connections":
                    options = options with { Connections = read.Count(1) };
                    break;
                case "--threads":
                    options = options with { Threads = read.Count(1) };
                    break;
                case "--wrk":
                    options = options with { Wrk = read.Value() };
                    break;
                case "--service":
                    options = options with { ServiceAssembly = read.FullPath() };
                    break;
                default:
                    throw read.Unknown(name);
            }
        }

        if (options.Threads > options.Connections)
        {
            throw new ArgumentException("--threads cannot exceed --connections (wrk gives each thread at least one connection).");
        }

        options = options with { WorkFolder = read.WorkFolder, Keep = read.Keep, JsonPath = read.JsonPath };
        return engines.Count == 0 ? options : options with { Engines = engines.Distinct().ToList() };
    }
}
