using System.Diagnostics;

namespace KeyAdmin.ScaleHost;

/// <summary>
/// Import-Module of the built module into a fresh runspace, against importing an empty binary module, and the
/// latency of the first command after the import.
/// </summary>
public static class ImportMeasurement
{
    private const string Import = "Import-Module -Name $args[0] -ErrorAction Stop";
    // A core cmdlet (the hosted engine has no Microsoft.PowerShell.Utility): compiles a script, resolves a command.
    private const string WarmEngine = "$null = Get-Command -Name ForEach-Object";
    private const string FirstCommand = "Connect-KeyAdminStore -Path $args[0]; Get-ApiKey -KeyId $args[1]";

    /// <summary>
    /// One cold import: a fresh process and runspace, the engine warmed by one unrelated command (Get-Command) (so that both
    /// modules are compared on the import itself, not on the engine's own start), then the import, timed.
    /// With --store, then the first KeyAdmin command (connect and one Get-ApiKey), timed, and a second one.
    /// </summary>
    public static void Cold(Options options, IDictionary<string, double> results)
    {
        var manifest = options.Required("manifest");
        using var session = new HostedSession();
        session.Run(WarmEngine);

        var watch = Stopwatch.StartNew();
        session.Run(Import, manifest);
        results["import.ms"] = watch.Elapsed.TotalMilliseconds;

        if (options.Optional("store") is { } store)
        {
            var keyId = options.Required("key-id");
            watch.Restart();
            var first = session.Run(FirstCommand, store, keyId);
            results["first.command.ms"] = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            session.Run("Get-ApiKey -KeyId $args[0]", keyId);
            results["second.command.ms"] = watch.Elapsed.TotalMilliseconds;
            if (first.Count != 1)
            {
                throw new InvalidOperationException($"The first command returned {first.Count} keys, expected 1.");
            }
        }

        results["process.peak.mb"] = (PhaseMeter.ReadPeakResident() ?? 0) / 1048576.0;
    }

    /// <summary>
    /// Warm imports: in one process, each module imported into a new runspace, alternately, --runs times after
    /// one untimed round (assemblies loaded, code jitted): what a host that opens many runspaces pays.
    /// </summary>
    public static void Warm(Options options, IDictionary<string, double> results)
    {
        var keyAdmin = Path.Combine(options.Required("module"), "KeyAdmin.psd1");
        var empty = EmptyModule.Ensure(options.Required("empty"));
        var runs = Math.Max(1, options.Int("runs", 10));
        var keyAdminTimes = new List<double>();
        var emptyTimes = new List<double>();
        for (var run = -1; run < runs; run++)
        {
            var k = TimeImport(keyAdmin);
            var e = TimeImport(empty);
            if (run >= 0)
            {
                keyAdminTimes.Add(k);
                emptyTimes.Add(e);
            }
        }

        results["warm.keyadmin.ms"] = ListingMeasurement.Median(keyAdminTimes);
        results["warm.empty.ms"] = ListingMeasurement.Median(emptyTimes);
        results["warm.ratio"] = results["warm.keyadmin.ms"] / results["warm.empty.ms"];
    }

    private static double TimeImport(string manifest)
    {
        using var session = new HostedSession();
        session.Run(WarmEngine);
        var watch = Stopwatch.StartNew();
        session.Run(Import, manifest);
        return watch.Elapsed.TotalMilliseconds;
    }
}
