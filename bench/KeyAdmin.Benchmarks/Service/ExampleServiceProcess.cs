using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KeyAdmin.Benchmarks.Service;

/// <summary>
/// examples/KeyAdmin.ExampleService as its own process on 127.0.0.1 at a free port, over one store, as an operator
/// runs it (<c>dotnet KeyAdmin.ExampleService.dll</c>); stopped with SIGTERM, so that it shuts down as a service does.
/// </summary>
/// <remarks>
/// The store is passed in $KEYADMIN_STORE and its key file in $KEYADMIN_KEY_FILE, never on the command line, where
/// every local user could read a connection string's password.
/// </remarks>
public sealed class ExampleServiceProcess : IDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> log;

    private ExampleServiceProcess(Process process, ConcurrentQueue<string> log, Uri address)
    {
        this.process = process;
        this.log = log;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => process.Id;

    /// <summary>
    /// Starts the service over <paramref name="store"/> (a path or a PostgreSQL connection string) and waits until it
    /// answers. With <paramref name="unverifiedBaselineAccount"/>, the service also serves the benchmark's unverified
    /// copy of GET /api/v1/accounts for that account (its --benchmark-unverified-account flag).
    /// </summary>
    public static ExampleServiceProcess Start(string assembly, string store, string keyFile, string? unverifiedBaselineAccount)
    {
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"The example service is not built at {assembly}: build bench/KeyAdmin.Benchmarks again, or pass --service.", assembly);
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(Support.DotnetHost.Executable()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            var arguments = new List<string> { assembly, "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" };
            if (unverifiedBaselineAccount is not null)
            {
                arguments.AddRange(["--benchmark-unverified-account", unverifiedBaselineAccount]);
            }

            arguments.ForEach(start.ArgumentList.Add);
            start.Environment["KEYADMIN_STORE"] = store;
            start.Environment["KEYADMIN_KEY_FILE"] = keyFile;
            var log = new ConcurrentQueue<string>();
            var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the example service.");
            process.OutputDataReceived += (_, e) => Keep(log, e.Data);
            process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var service = new ExampleServiceProcess(process, log, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
            try
            {
                if (service.WaitUntilAnswering())
                {
                    return service;
                }
            }
            catch
            {
                service.Dispose();
                throw;
            }

            // It exited: another process may have taken the port between the probe and the bind.
            var output = service.Output;
            service.Dispose();
            if (attempt == 3 || !output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The example service exited before it answered: {output}");
            }
        }
    }

    /// <summary>The CPU time the service has used so far (user and system, all threads).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>What the service wrote (the last 200 lines).</summary>
    public string Output => string.Join(Environment.NewLine, log);

    /// <summary>Stops the service with SIGTERM and waits for it; returns its exit code (killed after 20 s: -1).</summary>
    public int Stop()
    {
        if (process.HasExited)
        {
            return process.ExitCode;
        }

        if (kill(process.Id, SigTerm) == 0 && process.WaitForExit(20_000))
        {
            process.WaitForExit();
            return process.ExitCode;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
        return -1;
    }

    public void Dispose()
    {
        Stop();
        process.Dispose();
    }

    /// <summary>True once GET /api/v1/timestamp answers; false when the process exited first.</summary>
    private bool WaitUntilAnswering()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var answer = http.GetAsync("/api/v1/timestamp").GetAwaiter().GetResult();
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"The example service did not answer within 60 s: {Output}");
    }

    private static void Keep(ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 200 && log.TryDequeue(out _))
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
