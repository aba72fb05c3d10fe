using System.Management.Automation.Runspaces;

namespace KeyAdmin.ScaleHost;

/// <summary>
/// Get-ApiKey streamed over the whole store, and Test-ApiKeyCompliance over the whole store, in one runspace
/// that has imported the built module, against a baseline cmdlet in the same runspace that writes the same
/// number of plain objects. Every phase is consumed by the same <c>ForEach-Object { $n++ }</c>, which counts.
/// </summary>
public static class ListingMeasurement
{
    private const string Baseline = "$n = 0; Get-PlainObject -Count $args[0] | ForEach-Object { $n++ }; $n";
    private const string Listing = "$n = 0; Get-ApiKey | ForEach-Object { $n++ }; $n";
    private const string Compliance = "$n = 0; Test-ApiKeyCompliance | ForEach-Object { $n++ }; $n";

    public static void Run(Options options, IDictionary<string, double> results)
    {
        var manifest = Path.Combine(options.Required("module"), "KeyAdmin.psd1");
        var store = options.Required("store");
        var keys = options.Int("keys", 0);
        var runs = Math.Max(1, options.Int("runs", 3));

        using var session = new HostedSession(new SessionStateCmdletEntry("Get-PlainObject", typeof(GetPlainObjectCommand), null));
        session.Run("Import-Module -Name $args[0] -ErrorAction Stop", manifest);
        session.Run("Connect-KeyAdminStore -Path $args[0]", store);

        // Warm-up: compile the scripts and JIT both paths before anything is timed.
        // (The hosted engine has the core cmdlets only: no Select-Object; one account holds at most 1,000 keys.)
        session.RunCount("$n = 0; Get-ApiKey -Account acct00001 | ForEach-Object { $n++ }; $n");
        session.RunCount(Baseline, Math.Min(keys, 1000));
        session.RunCount("$n = 0; Test-ApiKeyCompliance -Account acct00001 | ForEach-Object { $n++ }; $n");

        var baselineTimes = new List<double>();
        var listingTimes = new List<double>();
        var complianceTimes = new List<double>();
        // Round 0 is not timed: the engine compiles a script block after it has run a few times, and .NET
        // re-jits hot methods in the background; a full round first measures the steady state.
        for (var run = 0; run <= runs; run++)
        {
            var baseline = Phase(session, "baseline", Baseline, keys, results, expected: keys, keys);
            var listing = Phase(session, "getapikey", Listing, keys, results, expected: keys);
            var compliance = Phase(session, "compliance", Compliance, keys, results, expected: null);
            if (run > 0)
            {
                baselineTimes.Add(baseline);
                listingTimes.Add(listing);
                complianceTimes.Add(compliance);
                results[$"run{run}.baseline.ms"] = baseline;
                results[$"run{run}.getapikey.ms"] = listing;
                results[$"run{run}.compliance.ms"] = compliance;
            }
        }

        results["keys"] = keys;
        results["runs"] = runs;
        results["baseline.ms"] = Median(baselineTimes);
        results["getapikey.ms"] = Median(listingTimes);
        results["compliance.ms"] = Median(complianceTimes);
        results["getapikey.ratio"] = Median(listingTimes.Zip(baselineTimes, (l, b) => l / b).ToList());
        results["process.peak.mb"] = (PhaseMeter.ReadPeakResident() ?? 0) / 1048576.0;
    }

    /// <summary>Runs one timed phase; keeps the largest memory figures and the last count under the phase's name.</summary>
    private static double Phase(HostedSession session, string name, string script, long keys, IDictionary<string, double> results, long? expected, params object?[] args)
    {
        using var meter = PhaseMeter.Start();
        var count = session.RunCount(script, args);
        meter.Stop();
        if (expected is { } want && count != want)
        {
            throw new InvalidOperationException($"{name} emitted {count} objects, expected {want}.");
        }

        results[name + ".count"] = count;
        Max(results, name + ".peak.workingset.mb", meter.PeakWorkingSet / 1048576.0);
        Max(results, name + ".peak.heap.mb", meter.PeakHeap / 1048576.0);
        Max(results, name + ".start.workingset.mb", meter.StartWorkingSet / 1048576.0);
        results[name + ".allocated.bytes.per.key"] = keys == 0 ? 0 : (double)meter.Allocated / keys;
        return meter.Elapsed.TotalMilliseconds;
    }

    private static void Max(IDictionary<string, double> results, string name, double value) =>
        results[name] = results.TryGetValue(name, out var old) ? Math.Max(old, value) : value;

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
