using System.Diagnostics;
using System.Globalization;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Postgres;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.Verification;
using KeyAdmin.TestSupport;

namespace KeyAdmin.Benchmarks.Revocation;

/// <summary>
/// <c>revocation [--engine sqlite|postgres] [--samples 200]</c>: how long after another process commits
/// Disable-ApiKey a verifier refuses the key (R9), measured across two OS processes. This process verifies; a child
/// process of the same program (<c>revocation-disabler</c>) disables each key when told to and answers with the
/// monotonic time right after its commit. The verifier sends the key's request again and again until it is refused;
/// the time it is first refused, minus the commit, is one sample. Measured twice: with the change watch (the
/// default), and with the watch off, when only the 500 ms revalidation sees the change (for comparison).
/// </summary>
public static class RevocationCommand
{
    private const string StoreVariable = "KEYADMIN_BENCH_STORE";

    public static int Run(string[] args, TextWriter output)
    {
        var engine = Option(args, "--engine") ?? "sqlite";
        var samples = int.Parse(Option(args, "--samples") ?? "200", CultureInfo.InvariantCulture);
        foreach (var watch in new[] { true, false })
        {
            var result = Measure(engine, samples, watch, output);
            output.WriteLine(result.ToMarkdownRow());
        }

        return 0;
    }

    /// <summary>One series of <paramref name="samples"/> disables, each seen by this process's verifier.</summary>
    public static RevocationResult Measure(string engine, int samples, bool watchChanges, TextWriter progress)
    {
        var postgres = engine switch
        {
            "sqlite" => null,
            "postgres" => PostgresCluster.Shared.ConnectionStringFor(PostgresCluster.Shared.CreateDatabase()),
            _ => throw new ArgumentException($"--engine is sqlite or postgres, not '{engine}'."),
        };
        using var world = BenchWorld.Create(postgres);
        world.RaiseKeyLimit(samples + 1);
        var account = world.NewAccount("desk");
        var keys = Enumerable.Range(0, samples).Select(i => world.NewKey(account, $"bot-{i}", ApiKeyPermission.Read)).ToList();
        var options = new VerifierOptions { WatchChanges = watchChanges };
        using var verifier = new RequestVerifier(world.Store, TimeProvider.System, options);
        using var disabler = Disabler.Start(postgres ?? world.StorePath, StoreLocation.KeyFileFor(world.StorePath));
        var latencies = new List<double>(samples);
        var missed = 0;
        foreach (var (key, secret) in keys)
        {
            if (!verifier.Verify(Request(key, secret)).Accepted)
            {
                throw new InvalidOperationException("A fresh key was refused: the set-up is wrong.");
            }

            var committed = disabler.Disable(key.KeyId);
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
            long seen;
            while (true)
            {
                var result = verifier.Verify(Request(key, secret));
                seen = Stopwatch.GetTimestamp();
                if (!result.Accepted || seen > deadline)
                {
                    break;
                }

                Thread.Sleep(1);
            }

            var waited = Stopwatch.GetElapsedTime(committed, seen);
            if (seen > deadline)
            {
                missed++;
            }

            latencies.Add(waited.TotalMilliseconds);
        }

        progress.WriteLine($"  {engine}, change watch {(watchChanges ? "on" : "off")}: {samples} disables measured");
        return new RevocationResult(engine, watchChanges, latencies, missed);
    }

    /// <summary>The child process: disables the keys it is told to and answers with the time right after each commit.</summary>
    public static int RunDisabler(string[] args)
    {
        // From the environment, not the command line: a connection string holds a password.
        var store = Environment.GetEnvironmentVariable(StoreVariable) ?? throw new ArgumentException($"${StoreVariable} is missing.");
        var kek = new FileKeyEncryptionKeySource(Option(args, "--kek") ?? throw new ArgumentException("--kek is missing."));
        using IKeyAdminStore opened = StoreTarget.IsConnectionString(store) ? PostgresStore.Open(store, kek) : SqliteStore.Open(store, kek);
        var authority = new KeyAdminAuthority(opened, TimeProvider.System, new Actor("disabler", "bench-host"));
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } keyId)
        {
            authority.Keys.Disable(keyId, "revocation benchmark");
            Console.WriteLine(Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));
        }

        return 0;
    }

    private static SignedRequest Request(ApiKey key, byte[] secret)
    {
        // Timestamped by the machine's clock, as the verifier's is: the benchmark runs for longer than the window.
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return new SignedRequest
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Signature = RequestSigner.Sign(secret, timestamp, "GET", "/api/v1/accounts", ReadOnlySpan<byte>.Empty),
            Method = "GET",
            PathAndQuery = "/api/v1/accounts",
            CallerAddress = System.Net.IPAddress.Loopback,
            RequiredPermission = ApiKeyPermission.Read,
        };
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>The second process, this program again, over the same store.</summary>
    private sealed class Disabler : IDisposable
    {
        private readonly Process process;

        private Disabler(Process process) => this.process = process;

        public static Disabler Start(string store, string kek)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(typeof(RevocationCommand).Assembly.Location);
            foreach (var arg in new[] { "revocation-disabler", "--kek", kek })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment[StoreVariable] = store;

            var process = Process.Start(start) ?? throw new InvalidOperationException("The disabler did not start.");
            var disabler = new Disabler(process);
            if (process.StandardOutput.ReadLine() != "ready")
            {
                disabler.Dispose();
                throw new InvalidOperationException("The disabler did not open the store.");
            }

            return disabler;
        }

        /// <summary>Has the key disabled; returns the monotonic time (shared by every process of the machine) right after the commit.</summary>
        public long Disable(string keyId)
        {
            process.StandardInput.WriteLine(keyId);
            process.StandardInput.Flush();
            var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The disabler stopped.");
            return long.Parse(line, CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(10_000))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            finally
            {
                process.Dispose();
            }
        }
    }
}

/// <summary>One series: the time from another process's commit of a disable to this verifier's first refusal.</summary>
public sealed record RevocationResult(string Engine, bool WatchChanges, IReadOnlyList<double> LatenciesMs, int Missed)
{
    public double Percentile(double p)
    {
        var sorted = LatenciesMs.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public string ToMarkdownRow() => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Engine} | change watch {(WatchChanges ? "on" : "off (revalidation only)")} | {LatenciesMs.Count} | {Percentile(0.5):0.0} ms | {Percentile(0.9):0.0} ms | {Percentile(0.99):0.0} ms | {LatenciesMs.Max():0.0} ms | {Missed} |");
}
