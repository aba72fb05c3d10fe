using System.Globalization;

namespace KeyAdmin.Benchmarks.Scale;

/// <summary>The scale command's options; every one has a default that suits a full run on a developer machine.</summary>
public sealed record ScaleOptions
{
    /// <summary>Store sizes to measure, in keys (--keys, repeatable; default 100,000 and 1,000,000).</summary>
    public IReadOnlyList<long> Keys { get; init; } = [100_000, 1_000_000];

    /// <summary>Timed runs of each listing phase; the median is reported (--runs).</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Cold imports of each module, each in its own process (--import-runs).</summary>
    public int ImportRuns { get; init; } = 5;

    /// <summary>Where stores are seeded (--work); a new temp folder by default, deleted at the end unless --keep.</summary>
    public string? WorkFolder { get; init; }

    public bool Keep { get; init; }

    /// <summary>Writes every figure as JSON too (--json).</summary>
    public string? JsonPath { get; init; }

    /// <summary>The built module folder (--module): by default the copy the build puts beside this program.</summary>
    public string ModuleFolder { get; init; } = Path.Combine(AppContext.BaseDirectory, "module", "KeyAdmin");

    /// <summary>KeyAdmin.ScaleHost.dll (--host): by default the copy the build puts beside this program.</summary>
    public string HostAssembly { get; init; } = Path.Combine(AppContext.BaseDirectory, "scale-host", "KeyAdmin.ScaleHost.dll");

    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ScaleOptions();
        var keys = new List<long>();
        var read = new Support.BenchArguments(args, "--keys N (repeatable) --runs N --import-runs N --module DIR --host DLL");
        foreach (var name in read.Names())
        {
            switch (name)
            {
                case "--keys":
                    keys.Add(long.Parse(read.Value(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
                    break;
                case "--runs":
                    options = options with { Runs = read.Count(1) };
                    break;
                case "--import-runs":
                    options = options with { ImportRuns = read.Count(1) };
                    break;
                case "--module":
                    options = options with { ModuleFolder = read.FullPath() };
                    break;
                case "--host":
                    options = options with { HostAssembly = read.FullPath() };
                    break;
                default:
                    throw read.Unknown(name);
            }
        }

        options = options with { WorkFolder = read.WorkFolder, Keep = read.Keep, JsonPath = read.JsonPath };
        return keys.Count == 0 ? options : options with { Keys = keys };
    }
}
