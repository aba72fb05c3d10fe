using System.Diagnostics;
using System.Text.Json;

namespace KeyAdmin.Verification.Tests;

/// <summary>
/// KuCoin's client libraries from npm, at the versions tests/KuCoinClients/package.json pins (its lock file pins
/// their dependencies): installed with <c>npm ci</c> when missing or at another version, once per test run. A
/// machine without Node or npm, or without the registry, fails these tests with what to install; they never skip.
/// </summary>
public sealed class NodeClients
{
    private readonly Lazy<string> folder = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>tests/KuCoinClients, with its node_modules installed at the pinned versions.</summary>
    public string Folder => folder.Value;

    /// <summary>The pinned versions, as package.json names them (what the README says is proven).</summary>
    public static IReadOnlyDictionary<string, string> Pinned(string folder)
    {
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "package.json")));
        return package.RootElement.GetProperty("dependencies").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    /// <summary>The version installed under node_modules, or null.</summary>
    public static string? Installed(string folder, string package)
    {
        var manifest = Path.Combine(folder, "node_modules", package, "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.GetProperty("version").GetString();
    }

    /// <summary>Runs <c>node script args</c> in the clients' folder with <paramref name="environment"/> added.</summary>
    public Process Start(string script, string mode, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(mode);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
    }

    private static string Install()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "KuCoinClients");
        var pinned = Pinned(folder);
        if (pinned.All(p => Installed(folder, p.Key) == p.Value))
        {
            return folder;
        }

        // --ignore-scripts: the clients run as published; no install script of theirs (or their dependencies') runs.
        var (exit, output) = Run("npm", folder, "ci", "--ignore-scripts", "--no-audit", "--no-fund");
        var missing = pinned.Where(p => Installed(folder, p.Key) != p.Value).Select(p => $"{p.Key}@{p.Value}").ToList();
        if (exit != 0 || missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Could not install KuCoin's client libraries ({string.Join(", ", missing)}) with 'npm ci' in {folder} (exit code {exit}). " +
                "These tests need Node.js 18 or later with npm, and access to the npm registry. npm said:\n" + output);
        }

        return folder;
    }

    private static (int Exit, string Output) Run(string command, string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "npm did not finish within 10 minutes.");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"'{command}' could not be started ({e.Message}): install Node.js (with npm).");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KeyAdmin.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (KeyAdmin.sln) is not above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class NodeClientsCollection : ICollectionFixture<NodeClients>
{
    public const string Name = "KuCoin client libraries";
}
