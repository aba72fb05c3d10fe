using System.Diagnostics;
using System.Reflection;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>
/// Starts KeyAdmin.TestWorker processes against a store, waits until every one has opened it, then lets them
/// all go at once (a "go" file appears) and collects the one line each answers.
/// </summary>
public static class Workers
{
    public static string WorkerPath
    {
        get
        {
            var path = typeof(Workers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "KeyAdmin.TestWorker").Value!;
            path = Path.GetFullPath(path);
            Assert.True(File.Exists(path), $"The worker was not built at {path}; build tests/KeyAdmin.TestWorker.");
            return path;
        }
    }

    /// <summary>Writes a credential for one worker in an owner-only file; never on a command line.</summary>
    public static string WriteCredential(string folder, string content)
    {
        var path = Path.Combine(folder, "credential-" + Guid.NewGuid().ToString("N"));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
        return path;
    }

    /// <summary>Runs one "create-key" worker per entry at the same instant; returns each worker's answer line.</summary>
    public static IReadOnlyList<string> CreateKeysAtOnce(Harness h, string account, IReadOnlyList<(string KeyName, string CredentialFile)> jobs, TimeSpan timeout) =>
        RunAtOnce(h, jobs.Select(job => new[] { "create-key", account, job.KeyName, job.CredentialFile }).ToList(), timeout);

    /// <summary>
    /// Runs one worker per command (its name, then its arguments after the store) at the same instant: each gets
    /// the go file as its last argument and prints READY, then one answer line, which is returned.
    /// </summary>
    public static IReadOnlyList<string> RunAtOnce(Harness h, IReadOnlyList<string[]> commands, TimeSpan timeout)
    {
        var goFile = Path.Combine(h.Folder, "go-" + Guid.NewGuid().ToString("N"));
        var processes = new List<Process>();
        try
        {
            foreach (var command in commands)
            {
                processes.Add(Start(h, command[0], command.Skip(1).Append(goFile).ToArray()));
            }

            var deadline = Stopwatch.StartNew();
            foreach (var process in processes)
            {
                var ready = ReadLine(process, timeout - deadline.Elapsed);
                Assert.True(ready == "READY", $"A worker did not open the store: {ready} {ErrorOf(process)}");
            }

            File.WriteAllText(goFile, "go");
            var answers = new List<string>();
            foreach (var process in processes)
            {
                answers.Add(ReadLine(process, timeout - deadline.Elapsed) ?? "NO ANSWER " + ErrorOf(process));
                Assert.True(process.WaitForExit(timeout - deadline.Elapsed), "A worker did not exit in time.");
            }

            return answers;
        }
        finally
        {
            foreach (var process in processes)
            {
                Stop(process);
            }
        }
    }

    /// <summary>
    /// Starts a worker on the harness's store: the store's path, or (POSTGRES) the --connection-string and
    /// --key-file options, which take the place of the path.
    /// </summary>
    public static Process Start(Harness h, string command, params string[] arguments)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
        {
            dotnet = "dotnet";
        }

        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
#if POSTGRES
        var store = new[] { "--connection-string", h.StorePath, "--key-file", h.KekPath, command };
#else
        var store = new[] { command, h.StorePath };
#endif
        foreach (var argument in new[] { WorkerPath }.Concat(store).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The worker did not start.");
    }

    /// <summary>The worker's next line on standard output, or "TIMEOUT".</summary>
    public static string? ReadLine(Process process, TimeSpan timeout)
    {
        var line = process.StandardOutput.ReadLineAsync();
        return line.Wait(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero) ? line.Result : "TIMEOUT";
    }

    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    public static string ErrorOf(Process process) =>
        process.HasExited ? process.StandardError.ReadToEnd() : string.Empty;
}
