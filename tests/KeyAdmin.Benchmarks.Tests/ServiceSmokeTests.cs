using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json;
using KeyAdmin.Benchmarks.Service;

namespace KeyAdmin.Benchmarks.Tests;

/// <summary>
/// The service command end to end, as a user runs it (its own process, wrk, the example service, a PostgreSQL
/// cluster), with one-second runs: it ran, its numbers are sane, the disabled key was refused every time, and it left
/// nothing running. What it measured is not asserted: no timing is pass/fail.
/// </summary>
public sealed class ServiceSmokeTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "keyadmin-service-smoke-" + Guid.NewGuid().ToString("N"));

    public ServiceSmokeTests() => Directory.CreateDirectory(folder);

    [Fact]
    public void Service_WithOneSecondRuns_LoadsBothStores_RefusesTheDisabledKey_AndLeavesNothingRunning()
    {
        var json = Path.Combine(folder, "report.json");
        var work = Path.Combine(folder, "work");
        var stores = Path.Combine(folder, "stores");
        Directory.CreateDirectory(stores);

        var (exitCode, output) = RunCommand(stores, "service", "--duration", "1", "--warmup", "0", "--rounds", "1", "--connections", "2", "--json", json, "--work", work);

        Assert.True(exitCode == 0, $"The service command exited with {exitCode}:\n{output}");
        Assert.Contains("| SQLite | verified", output, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | verified", output, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Empty(report.RootElement.GetProperty("Problems").EnumerateArray());
        var engines = report.RootElement.GetProperty("Engines").EnumerateArray().ToList();
        Assert.Equal(new[] { "SQLite", "PostgreSQL" }, engines.Select(e => e.GetProperty("Engine").GetString()));
        foreach (var engine in engines)
        {
            var name = engine.GetProperty("Engine").GetString();
            foreach (var endpoint in new[] { "Verified", "Unverified" })
            {
                var run = Assert.Single(engine.GetProperty(endpoint).EnumerateArray());
                Assert.True(run.GetProperty("Requests").GetInt64() > 0, $"{name} {endpoint}: no request was answered.");
                Assert.Equal(run.GetProperty("Requests").GetInt64(), run.GetProperty("Accepted").GetInt64());
                Assert.True(run.GetProperty("RequestsPerSecond").GetDouble() > 0);
                Assert.InRange(run.GetProperty("P50Ms").GetDouble(), double.Epsilon, run.GetProperty("P99Ms").GetDouble());
                Assert.True(run.GetProperty("ServiceCpuSeconds").GetDouble() > 0, $"{name} {endpoint}: the service used no CPU time?");
            }

            var after = engine.GetProperty("AfterDisable");
            Assert.True(after.GetProperty("Requests").GetInt64() > 0, $"{name}: no request was answered after the disable.");
            Assert.Equal(after.GetProperty("Requests").GetInt64(), after.GetProperty("Refused").GetInt64());
            Assert.Equal(0, after.GetProperty("Accepted").GetInt64());
            Assert.True(engine.GetProperty("RevocationSeenMs").GetDouble() >= 0);
            Assert.True(engine.GetProperty("ThroughputRatio").GetDouble() > 0);
            Assert.True(engine.GetProperty("P99Ratio").GetDouble() > 0);
            Assert.Equal(0, engine.GetProperty("ServiceExitCode").GetInt32());
            Assert.False(IsRunning(engine.GetProperty("ServiceProcessId").GetInt32(), "dotnet"), $"{name}: the example service is still running.");
        }

        // The cluster is stopped and deleted as the command exits (its watchdog deletes the folder last, after the server stopped).
        var postgres = engines[1];
        var cluster = postgres.GetProperty("PostgresRoot").GetString()!;
        var server = postgres.GetProperty("PostgresProcessId").GetInt32();
        Assert.True(WaitUntil(() => !Directory.Exists(cluster) && !IsRunning(server, "postgres"), TimeSpan.FromSeconds(20)), $"The PostgreSQL server (process {server}) or its cluster {cluster} is still there.");
        Assert.False(Directory.Exists(work), "The work folder was left behind.");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(stores, "keyadmin-bench")));
    }

    [Fact]
    public async Task ExampleService_ServesTheUnverifiedCopy_OnlyWithTheBenchmarkFlag()
    {
        var store = Path.Combine(folder, "keyadmin.db");
        var target = ServiceCommand.UnverifiedTarget;
        using var http = new HttpClient();

        using (var normal = ExampleServiceProcess.Start(ExampleServiceAssembly(), store, store + ".kek", unverifiedBaselineAccount: null))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(normal.Address, target))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(normal.Address, ServiceCommand.SignedTarget))).StatusCode);
            Assert.Equal(0, normal.Stop());
        }

        using var benchmark = ExampleServiceProcess.Start(ExampleServiceAssembly(), store, store + ".kek", unverifiedBaselineAccount: "desk");
        using var answer = await http.GetAsync(new Uri(benchmark.Address, target));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"code\":\"200000\"", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(WaitUntil(() => benchmark.Output.Contains("BENCHMARK ONLY", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), "The service did not say that it serves an unverified endpoint: " + benchmark.Output);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The built benchmark program, run with dotnet as the README says; stores under <paramref name="stores"/>.</summary>
    private static (int ExitCode, string Output) RunCommand(string stores, params string[] arguments)
    {
        var start = new ProcessStartInfo(Support.DotnetHost.Executable()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(BenchmarksAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KEYADMIN_BENCH_DIR"] = stores;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The service command did not finish within 5 minutes:\n" + stdout.Result + stderr.Result);
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string BenchmarksAssembly() =>
        typeof(ServiceSmokeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "KeyAdmin.Benchmarks").Value!;

    private static string ExampleServiceAssembly() =>
        Path.Combine(Path.GetDirectoryName(BenchmarksAssembly())!, "example-service", "KeyAdmin.ExampleService.dll");

    /// <summary>Whether process <paramref name="pid"/> is alive and still the program named (a reused id is another program's).</summary>
    private static bool IsRunning(int pid, string processName)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName == processName;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(200);
        }

        return true;
    }
}
