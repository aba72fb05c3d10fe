using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using KeyAdmin.Benchmarks.Scale;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.TestSupport;

namespace KeyAdmin.Benchmarks.Service;

/// <summary>
/// <c>service [--engine sqlite|postgres]… [--duration 10] [--warmup 15] [--rounds 5] [--connections 8] [--threads 1]
/// [--json FILE] [--work DIR] [--keep true] [--wrk PATH] [--service DLL]</c>: the example service (a KuCoin-compatible
/// API on KeyAdmin's authentication handler) under load, over an embedded SQLite store and over PostgreSQL.
/// </summary>
/// <remarks>
/// For each store: a key with KuCoin's passphrase, Read only, bound to 127.0.0.1; the service as its own process
/// with its benchmark-only unverified copy of the endpoint; then wrk, another process, against GET
/// /api/v1/accounts signed with KC-API-* headers (verified) and against the same handler with no authentication
/// (unverified), in alternating order so that the machine's noise hits both alike. Last, the key is disabled
/// through the core, a client polls until the service refuses it, and wrk loads it again: every answer must be
/// KuCoin's refusal. The service is stopped after each store; the PostgreSQL cluster (tests/Shared/PostgresCluster)
/// when the command exits. The figures are not a pass/fail test; a refused verified request or an accepted one
/// after the disable is, and makes the command exit with 1.
/// </remarks>
public static class ServiceCommand
{
    public const string Verified = "verified";
    public const string Unverified = "unverified";
    public const string AfterDisable = "after-disable";
    public const string SignedTarget = "/api/v1/accounts?currency=USDT&type=trade";
    /// <summary>The example service's ExampleService.UnverifiedBaselinePrefix (not referenced: the service is a process of its own).</summary>
    public const string UnverifiedPrefix = "/unverified";

    /// <summary>The same endpoint as <see cref="SignedTarget"/>, with no authentication.</summary>
    public const string UnverifiedTarget = UnverifiedPrefix + SignedTarget;
    private const string AccountName = "desk";
    private const int PollMilliseconds = 5;
    private const string Passphrase = "Load-Passphrase-1";

    public static int Run(string[] args, TextWriter output)
    {
        var report = Measure(ServiceOptions.Parse(args), output);
        output.WriteLine();
        output.Write(report.ToMarkdown());
        return report.Problems.Any() ? 1 : 0;
    }

    public static ServiceReport Measure(ServiceOptions options, TextWriter output)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), "keyadmin-service-load", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var wrk = Wrk.Locate(options, work);
            var report = new ServiceReport
            {
                Machine = ScaleCommand.MachineDescription(),
                Settings = string.Create(CultureInfo.InvariantCulture,
                    $"wrk {options.Threads} thread(s), {options.Connections} connections, keep-alive; {options.DurationSeconds} s a run, {options.Rounds} round(s) of verified and unverified in alternating order, " +
                    $"{options.WarmupSeconds} s warm-up of each first; GET {SignedTarget}, KuCoin's scheme (key version 2), Read key bound to 127.0.0.1"),
            };
            output.WriteLine($"KeyAdmin example service under load on {report.Machine}");
            output.WriteLine($"{report.Settings}; work folder {work}");
            foreach (var engine in options.Engines)
            {
                report.Engines.Add(MeasureEngine(engine, options, wrk, output));
            }

            if (options.JsonPath is { } json)
            {
                File.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            }

            return report;
        }
        finally
        {
            if (!options.Keep)
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static ServiceReport.EngineResult MeasureEngine(string engine, ServiceOptions options, Wrk wrk, TextWriter output)
    {
        var result = new ServiceReport.EngineResult();
        string? connectionString = null;
        if (engine == ServiceOptions.Postgres)
        {
            output.WriteLine("starting a throw-away PostgreSQL cluster …");
            var cluster = PostgresCluster.Shared;
            connectionString = cluster.ConnectionStringFor(cluster.CreateDatabase());
            result.PostgresRoot = cluster.Root;
            result.PostgresProcessId = int.Parse(File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            result.Server = $"PostgreSQL {cluster.Psql("SHOW server_version")} (a throw-away cluster on 127.0.0.1, fsync off)";
        }

        using var world = BenchWorld.Create(connectionString, TimeProvider.System);
        result.Engine = world.Store.Description.Engine;
        if (connectionString is null)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection();
            result.Server = $"SQLite {connection.ServerVersion} (a file under {Path.GetDirectoryName(Path.GetDirectoryName(world.Folder))})";
        }

        var account = world.NewAccount(AccountName);
        var (key, secret) = world.NewKuCoinKey(account, "load", ApiKeyPermission.Read, Passphrase, "127.0.0.1");
        var signed = new SignedGets(key.KeyId, secret, Passphrase, SignedTarget);
        output.WriteLine($"{result.Engine}: starting the example service …");
        using var service = ExampleServiceProcess.Start(options.ServiceAssembly, connectionString ?? world.StorePath, world.KeyFile, AccountName);
        result.ServiceProcessId = service.ProcessId;
        output.WriteLine($"{result.Engine}: service (process {service.ProcessId}) on {service.Address}");
        using var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(10) };
        Expect(http, signed, SignedTarget, HttpStatusCode.OK, "200000", "a signed GET before the load");
        Expect(http, signed, UnverifiedTarget, HttpStatusCode.OK, "200000", "the unverified GET before the load");
        var load = new EngineLoad(wrk, service, signed, result, output);
        load.Alternate(options);

        // A client keeps calling from a second or so before the disable, so that the service's copy of the key is as
        // fresh as a busy client keeps it: the figure is then the service's revalidation, not how long the key sat idle.
        // The extra 0-500 ms are random: the service revalidates every 500 ms from the first call, so a wait of exactly
        // a second would put the disable just before a revalidation every time.
        var watch = Stopwatch.StartNew();
        var calling = TimeSpan.FromMilliseconds(1000 + Random.Shared.Next(500));
        while (watch.Elapsed < calling)
        {
            Expect(http, signed, SignedTarget, HttpStatusCode.OK, "200000", "a signed GET just before the disable");
            Thread.Sleep(PollMilliseconds);
        }

        world.Authority.Keys.Disable(key.KeyId, "service load test: no request may be accepted after this");
        result.RevocationSeenMs = WaitForRefusal(http, signed);
        output.WriteLine($"{result.Engine}: the service refused the disabled key {result.RevocationSeenMs:0} ms after the disable");
        load.Run(AfterDisable, SignedTarget, options.DurationSeconds, expectRefused: true);

        result.ServiceExitCode = service.Stop();
        if (result.ServiceExitCode != 0)
        {
            result.Problems.Add($"the service exited with {result.ServiceExitCode} on SIGTERM: {service.Output}");
        }

        return result;
    }

    private static (HttpStatusCode Status, string? Code, string Body) Send(HttpClient http, SignedGets signed, string target)
    {
        using var answer = http.Send(signed.Message(target));
        var body = answer.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        string? code = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            code = json.RootElement.TryGetProperty("code", out var value) ? value.GetString() : null;
        }
        catch (JsonException)
        {
        }

        return (answer.StatusCode, code, body);
    }

    private static void Expect(HttpClient http, SignedGets signed, string target, HttpStatusCode status, string code, string what)
    {
        var answer = Send(http, signed, target);
        if (answer.Status != status || answer.Code != code)
        {
            throw new InvalidOperationException($"{what} was answered {(int)answer.Status} {answer.Body}, not {(int)status} with code {code}: the set-up is wrong.");
        }
    }

    /// <summary>Milliseconds from now (just after the disable committed) until a signed GET is refused as a disabled key is.</summary>
    private static double WaitForRefusal(HttpClient http, SignedGets signed)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            var answer = Send(http, signed, SignedTarget);
            if (answer.Status == HttpStatusCode.Unauthorized && answer.Code == "400003")
            {
                return watch.Elapsed.TotalMilliseconds;
            }

            if (answer.Status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"While waiting for the disable to be seen, the service answered {(int)answer.Status} {answer.Body}.");
            }

            Thread.Sleep(PollMilliseconds);
        }

        throw new TimeoutException("The service still accepted the disabled key 30 s after the disable.");
    }

    /// <summary>wrk runs against one store's service, each checked and recorded with the service's CPU time.</summary>
    private sealed class EngineLoad(Wrk wrk, ExampleServiceProcess service, SignedGets signed, ServiceReport.EngineResult result, TextWriter output)
    {
        /// <summary>The warm-up of each endpoint, then the rounds: A B, B A, A B …, so that a drift of the machine's load falls on both alike.</summary>
        public void Alternate(ServiceOptions options)
        {
            if (options.WarmupSeconds > 0)
            {
                Run(Verified + "-warmup", SignedTarget, options.WarmupSeconds, expectRefused: false);
                Run(Unverified + "-warmup", UnverifiedTarget, options.WarmupSeconds, expectRefused: false);
            }

            for (var round = 0; round < options.Rounds; round++)
            {
                foreach (var endpoint in round % 2 == 0 ? new[] { Verified, Unverified } : new[] { Unverified, Verified })
                {
                    Run(endpoint, endpoint == Verified ? SignedTarget : UnverifiedTarget, options.DurationSeconds, expectRefused: false);
                }
            }
        }

        /// <summary>One run; every answer must be an acceptance (or, after the disable, KuCoin's refusal), with no socket error.</summary>
        public void Run(string endpoint, string target, int seconds, bool expectRefused)
        {
            var cpu = service.CpuTime;
            var run = wrk.Run(endpoint, service.Address, signed, target, seconds) with { ServiceCpuSeconds = (service.CpuTime - cpu).TotalSeconds };
            output.WriteLine($"{result.Engine,-10} {endpoint,-17} {run}");
            result.Runs.Add(run);
            var expected = expectRefused ? run.Refused : run.Accepted;
            if (run.Requests == 0 || expected != run.Requests || run.SocketErrors > 0)
            {
                result.Problems.Add(
                    $"{endpoint} run {result.Runs.Count}: of {run.Requests:N0} responses {run.Accepted:N0} accepted, {run.Refused:N0} refused with 400003, {run.Other:N0} other, " +
                    $"{run.SocketErrors:N0} socket errors; every one must be {(expectRefused ? "refused" : "accepted")}.");
            }
        }
    }
}
