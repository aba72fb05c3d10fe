using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace KeyAdmin.TestSupport;

/// <summary>
/// A throw-away PostgreSQL cluster for one test run, made with the installed server binaries: initdb into a
/// temporary folder, a server on 127.0.0.1 at a free port with its socket in that folder, stopped and deleted
/// when the test process ends (or, if it dies, by a watchdog that outlives it). As root, the server runs as the
/// "postgres" user, because PostgreSQL refuses to run as root.
/// </summary>
/// <remarks>
/// When the cluster cannot start, every test that needs it fails with a message that says what is missing: a
/// missing server is a broken test environment, never a reason to skip (CI installs it in .ci/run).
/// </remarks>
public sealed class PostgresCluster
{
    public const string Superuser = "postgres";
    public const string Role = "keyadmin_test";
    private static readonly Lazy<PostgresCluster> SharedCluster = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string? runAs;

    private PostgresCluster(string binDirectory, string root, string? runAs)
    {
        BinDirectory = binDirectory;
        Root = root;
        this.runAs = runAs;
        RolePassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    }

    /// <summary>The cluster of this test process, started on first use.</summary>
    public static PostgresCluster Shared => SharedCluster.Value;

    public string BinDirectory { get; }

    /// <summary>The temporary folder: data/, the server log and the Unix socket.</summary>
    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public string LogFile => Path.Combine(Root, "server.log");

    public int Port { get; private set; }

    /// <summary>The password of the unprivileged role that stores connect as (over TCP, with SCRAM).</summary>
    public string RolePassword { get; }

    /// <summary>The superuser, over the Unix socket (trust): for creating databases and tampering as another program would.</summary>
    public string AdminConnectionString(string database = "postgres") =>
        $"Host={Root};Port={Port};Username={Superuser};Database={database};Pooling=false";

    /// <summary>What a KeyAdmin user would pass: TCP to 127.0.0.1, the store's own role and its password.</summary>
    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username={Role};Password={RolePassword}";

    /// <summary>Runs SQL as the superuser through psql; throws with psql's message when it fails.</summary>
    public string Psql(string sql, string database = "postgres")
    {
        var (code, output) = Run(Path.Combine(BinDirectory, "psql"), asServerUser: false, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", Root, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", Superuser, "-d", database, "-c", sql);
        if (code != 0)
        {
            throw new InvalidOperationException($"psql failed ({code}): {output}");
        }

        return output.Trim();
    }

    /// <summary>A new, empty database owned by the test role; its name is returned.</summary>
    public string CreateDatabase(string? name = null)
    {
        name ??= "ka_" + Guid.NewGuid().ToString("N");
        Psql($"CREATE DATABASE \"{name}\" OWNER {Role}");
        return name;
    }

    private static PostgresCluster Start()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new InvalidOperationException("The PostgreSQL tests start a throw-away cluster with initdb and pg_ctl on Linux or macOS; on Windows run them in WSL.");
        }

        var bin = FindBinaries();
        var runAs = IsRoot() ? Superuser : null;
        var root = Path.Combine(Path.GetTempPath(), "keyadmin-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var cluster = new PostgresCluster(bin, root, runAs);
        try
        {
            if (runAs is not null)
            {
                var (code, output) = Exec("chown", null, new[] { $"{runAs}:", root });
                if (code != 0)
                {
                    throw new InvalidOperationException(
                        $"Running as root, the cluster must belong to the '{runAs}' user, but chown failed: {output} " +
                        "(the user comes with the Debian 'postgresql' package).");
                }
            }

            cluster.InitDb();
            cluster.StartServer();
            cluster.StartWatchdog();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
            cluster.Psql($"CREATE ROLE {Role} LOGIN PASSWORD '{cluster.RolePassword}'");
            return cluster;
        }
        catch
        {
            cluster.Stop();
            throw;
        }
    }

    private void InitDb()
    {
        var (code, output) = Run(Path.Combine(BinDirectory, "initdb"), asServerUser: true,
            "-D", DataDirectory, "-U", Superuser, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync");
        if (code != 0)
        {
            throw new InvalidOperationException($"initdb failed ({code}): {output}");
        }

        // Durability is not what these tests prove, speed is welcome; connections for parallel tests and workers.
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{Root}'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 300
            shared_buffers = 64MB
            deadlock_timeout = 200ms
            """);
    }

    private void StartServer()
    {
        string output = string.Empty;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Port = FreePort();
            int code;
            (code, output) = Run(Path.Combine(BinDirectory, "pg_ctl"), asServerUser: true,
                "-D", DataDirectory, "-l", LogFile, "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)}", "-w", "-t", "60", "start");
            if (code == 0)
            {
                return;
            }

            // Another process may have taken the port between the probe and the bind: try another.
            if (!ReadLog().Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
        }

        throw new InvalidOperationException($"The PostgreSQL server did not start: {output}\n{ReadLog()}");
    }

    /// <summary>Stops and deletes the cluster if this process dies without running its exit handlers.</summary>
    private void StartWatchdog()
    {
        var stop = $"{Quote(Path.Combine(BinDirectory, "pg_ctl"))} -D {Quote(DataDirectory)} -m immediate stop";
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; " +
                     (runAs is null ? stop : $"runuser -u {runAs} -- {stop}") + $" >/dev/null 2>&1; rm -rf {Quote(Root)}";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-f", "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var watchdog = Process.Start(start);
            watchdog?.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No setsid (macOS): the exit handler still stops the cluster on a normal end of the run.
        }
    }

    private void Stop()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            Run(Path.Combine(BinDirectory, "pg_ctl"), asServerUser: true, "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string ReadLog()
    {
        try
        {
            return File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private (int Code, string Output) Run(string program, bool asServerUser, params string[] arguments) =>
        Exec(program, asServerUser ? runAs : null, arguments);

    private static (int Code, string Output) Exec(string program, string? user, string[] arguments)
    {
        var start = new ProcessStartInfo(user is null ? program : "runuser")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (user is not null)
        {
            foreach (var argument in new[] { "-u", user, "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} did not finish within 120 s.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>$PG_BIN, else the newest /usr/lib/postgresql/N/bin, else pg_config's, else initdb on PATH.</summary>
    private static string FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")) && File.Exists(Path.Combine(candidate, "psql")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The PostgreSQL server binaries (initdb, pg_ctl, psql) were not found in $PG_BIN, /usr/lib/postgresql/*/bin or PATH. " +
            "Install the server (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql) or set PG_BIN. " +
            "The PostgreSQL tests fail rather than skip without it.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => geteuid() == 0;

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}
