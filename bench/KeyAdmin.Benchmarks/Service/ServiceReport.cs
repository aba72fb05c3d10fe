using System.Globalization;
using System.Text;
using KeyAdmin.Benchmarks.Scale;

namespace KeyAdmin.Benchmarks.Service;

/// <summary>What the service command measured, and the tables docs/PERFORMANCE.md shows.</summary>
public sealed class ServiceReport
{
    public const double ThroughputGoal = 0.9;
    public const double P99Goal = 1.2;

    public string Machine { get; set; } = string.Empty;

    /// <summary>wrk's settings and the request, as one line.</summary>
    public string Settings { get; set; } = string.Empty;

    public List<EngineResult> Engines { get; set; } = [];

    /// <summary>Everything that was not as it must be (a refused verified request, an accepted one after the disable, …); empty when all held.</summary>
    public IEnumerable<string> Problems => Engines.SelectMany(e => e.Problems.Select(p => $"{e.Engine}: {p}"));

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load: {Settings}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Stores: {string.Join(", ", Engines.Select(e => e.Server))}");
        text.AppendLine();
        text.AppendLine($"| store | endpoint | requests/s (median; range) | p50 | p99 | service CPU per request | throughput ratio (goal ≥ {ThroughputGoal}) | p99 ratio (goal ≤ {P99Goal}) | CPU ratio |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var engine in Engines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {engine.Engine} | unverified (no authentication) | {Row(engine.Unverified)} | | | |");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {engine.Engine} | verified (KC-API-*, KuCoin's scheme) | {Row(engine.Verified)} | **{engine.ThroughputRatio:0.00}×** ({Verdict(engine.ThroughputRatio >= ThroughputGoal)}) | " +
                $"**{engine.P99Ratio:0.00}×** ({Verdict(engine.P99Ratio <= P99Goal)}) | {engine.CpuRatio:0.00}× |");
        }

        text.AppendLine();
        text.AppendLine("Ratios: verified over unverified within each round (the two runs next to each other in time), the median of the rounds.");
        text.AppendLine();
        text.AppendLine("| store | disable seen by a client after | responses after it | refused with 400003 | accepted | other |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var engine in Engines)
        {
            var after = engine.AfterDisable;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {engine.Engine} | {engine.RevocationSeenMs:0} ms | {after?.Requests:N0} | {after?.Refused:N0} | **{after?.Accepted:N0}** | {after?.Other:N0} |");
        }

        text.AppendLine();
        text.AppendLine("Every run, in order:");
        text.AppendLine();
        foreach (var engine in Engines)
        {
            foreach (var run in engine.Runs)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {engine.Engine}, {run.Endpoint}: {run}");
            }
        }

        var problems = Problems.ToList();
        text.AppendLine();
        text.AppendLine(problems.Count == 0 ? "Every verified and unverified request was accepted, and every request after the disable was refused." : "PROBLEMS:");
        problems.ForEach(p => text.AppendLine("- " + p));
        return text.ToString();
    }

    private static string Row(IReadOnlyList<LoadRun> runs) => string.Create(CultureInfo.InvariantCulture,
        $"{Median(runs, r => r.RequestsPerSecond):N0} ({runs.Min(r => r.RequestsPerSecond):N0}–{runs.Max(r => r.RequestsPerSecond):N0}) | {Median(runs, r => r.P50Ms):0.000} ms | " +
        $"{Median(runs, r => r.P99Ms):0.000} ms | {Median(runs, r => r.ServiceCpuMicrosecondsPerRequest):0.0} µs");

    private static string Verdict(bool met) => met ? "met" : "missed";

    public static double Median(IEnumerable<LoadRun> runs, Func<LoadRun, double> figure) => ScaleCommand.Median(runs.Select(figure));

    /// <summary>One store's runs: the service over it, the two endpoints alternating, then the disable.</summary>
    public sealed class EngineResult
    {
        public string Engine { get; set; } = string.Empty;

        /// <summary>The server's version, for PostgreSQL; SQLite's library version for SQLite.</summary>
        public string Server { get; set; } = string.Empty;

        public int ServiceProcessId { get; set; }

        /// <summary>The service's exit code after SIGTERM (-1 when it had to be killed).</summary>
        public int ServiceExitCode { get; set; }

        /// <summary>The throw-away cluster's folder and its postmaster's process id (PostgreSQL only): gone when the command has exited.</summary>
        public string? PostgresRoot { get; set; }

        public int? PostgresProcessId { get; set; }

        /// <summary>Every wrk run in order: warm-up, rounds, the run after the disable.</summary>
        public List<LoadRun> Runs { get; set; } = [];

        public List<string> Problems { get; set; } = [];

        /// <summary>
        /// From the disable's commit to the first refusal seen by a client that sends a signed GET every 5 ms from 1 to 1.5 s
        /// (at random) before it: one sample of a delay that the service's 500 ms revalidation bounds.
        /// </summary>
        public double RevocationSeenMs { get; set; }

        public IReadOnlyList<LoadRun> Verified => Runs.Where(r => r.Endpoint == ServiceCommand.Verified).ToList();

        public IReadOnlyList<LoadRun> Unverified => Runs.Where(r => r.Endpoint == ServiceCommand.Unverified).ToList();

        public LoadRun? AfterDisable => Runs.LastOrDefault(r => r.Endpoint == ServiceCommand.AfterDisable);

        /// <summary>
        /// Verified over unverified requests/s: the median of each round's ratio, since the two runs of a round are next
        /// to each other in time and so see the same load from the rest of the machine.
        /// </summary>
        public double ThroughputRatio => PerRound(r => r.RequestsPerSecond);

        public double P50Ratio => PerRound(r => r.P50Ms);

        public double P99Ratio => PerRound(r => r.P99Ms);

        /// <summary>The service's CPU time per verified request over an unverified one: the machine's other load disturbs it least.</summary>
        public double CpuRatio => PerRound(r => r.ServiceCpuMicrosecondsPerRequest);

        private double PerRound(Func<LoadRun, double> figure) =>
            ScaleCommand.Median(Verified.Zip(Unverified, (verified, unverified) => figure(verified) / figure(unverified)));
    }
}
