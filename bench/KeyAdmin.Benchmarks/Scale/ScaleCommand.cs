using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace KeyAdmin.Benchmarks.Scale;

/// <summary>
/// <c>scale --keys 100000 --keys 1000000 [--runs 3] [--import-runs 5] [--work DIR] [--keep true] [--json FILE]
/// [--module DIR] [--host DLL]</c>: seeds a store per size, then measures in separate processes (bench/KeyAdmin.ScaleHost),
/// each hosting the PowerShell engine with the built module imported: listing and compliance over the whole
/// store with their peak memory, and import against an empty binary module with the first command's latency.
/// </summary>
public static class ScaleCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        var report = Measure(ScaleOptions.Parse(args), output);
        output.WriteLine();
        output.Write(report.ToMarkdown());
        return 0;
    }

    public static ScaleReport Measure(ScaleOptions options, TextWriter output)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), "keyadmin-scale", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var report = new ScaleReport { Machine = MachineDescription() };
        try
        {
            // A copy of the module: a build elsewhere in the tree rewrites out/KeyAdmin/ and must not do so mid-run.
            var module = Path.Combine(work, "module", "KeyAdmin");
            if (!File.Exists(Path.Combine(options.ModuleFolder, "KeyAdmin.psd1")))
            {
                throw new InvalidOperationException($"No built module in {options.ModuleFolder}: build the solution again, or pass --module out/KeyAdmin.");
            }

            CopyFolder(options.ModuleFolder, module);
            var host = new HostProcess(options.HostAssembly, work);
            output.WriteLine($"KeyAdmin scale measurements on {report.Machine}");
            output.WriteLine($"work folder: {work}");

            MeasureImport(options, report, module, host, work, output);
            foreach (var keys in options.Keys)
            {
                var storePath = Path.Combine(work, keys.ToString(CultureInfo.InvariantCulture), "keyadmin.db");
                output.WriteLine($"seeding {keys:N0} keys …");
                var seeded = StoreSeeder.Seed(storePath, keys, DateTimeOffset.UtcNow, output);
                output.WriteLine($"  {seeded.Keys:N0} keys in {seeded.Accounts:N0} accounts, {seeded.Elapsed.TotalSeconds:0.0} s, {seeded.FileBytes / 1048576.0:0} MB");
                output.WriteLine($"listing {keys:N0} keys in a hosted runspace ({options.Runs} runs) …");
                var listing = host.Run("listing", "--module", module, "--store", storePath, "--keys", keys.ToString(CultureInfo.InvariantCulture), "--runs", options.Runs.ToString(CultureInfo.InvariantCulture));
                report.Sizes.Add(new ScaleReport.SizeResult(keys, seeded.Elapsed.TotalSeconds, seeded.FileBytes, listing));
                if (!options.Keep)
                {
                    DeleteFolder(Path.GetDirectoryName(storePath)!);
                }
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
                DeleteFolder(work);
            }
        }
    }

    private static void MeasureImport(ScaleOptions options, ScaleReport report, string module, HostProcess host, string work, TextWriter output)
    {
        output.WriteLine($"import: {options.ImportRuns} cold imports of each module, each in a new process …");
        var empty = Path.Combine(work, "empty-module");
        host.Run("make-empty", "--empty", empty);
        var store = StoreSeeder.Seed(Path.Combine(work, "import", "keyadmin.db"), 100, DateTimeOffset.UtcNow);
        var cold = new List<IReadOnlyDictionary<string, double>>();
        var coldEmpty = new List<IReadOnlyDictionary<string, double>>();
        for (var i = 0; i < options.ImportRuns; i++)
        {
            cold.Add(host.Run("import-cold", "--manifest", Path.Combine(module, "KeyAdmin.psd1"), "--store", store.StorePath, "--key-id", store.SampleKeyId));
            coldEmpty.Add(host.Run("import-cold", "--manifest", Path.Combine(empty, "KeyAdminBenchEmpty.psd1")));
        }

        output.WriteLine("import: warm imports into fresh runspaces of one process …");
        var warm = host.Run("import-warm", "--module", module, "--empty", empty, "--runs", (options.ImportRuns * 2).ToString(CultureInfo.InvariantCulture));
        report.Import = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["cold.keyadmin.ms"] = Median(cold.Select(r => r["import.ms"])),
            ["cold.empty.ms"] = Median(coldEmpty.Select(r => r["import.ms"])),
            ["first.command.ms"] = Median(cold.Select(r => r["first.command.ms"])),
            ["second.command.ms"] = Median(cold.Select(r => r["second.command.ms"])),
            ["warm.keyadmin.ms"] = warm["warm.keyadmin.ms"],
            ["warm.empty.ms"] = warm["warm.empty.ms"],
            ["warm.ratio"] = warm["warm.ratio"],
        };
        report.Import["cold.ratio"] = report.Import["cold.keyadmin.ms"] / report.Import["cold.empty.ms"];
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Cores, CPU model (from /proc/cpuinfo where there is one), OS and .NET runtime.</summary>
    public static string MachineDescription()
    {
        var cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"{Environment.ProcessorCount} cores, {cpu}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    private static void CopyFolder(string from, string to)
    {
        if (!File.Exists(Path.Combine(from, "KeyAdmin.psd1")))
        {
            throw new DirectoryNotFoundException($"No built module in '{from}': build first (dotnet build -c Release bench/KeyAdmin.Benchmarks), or pass --module.");
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Starts KeyAdmin.ScaleHost with <c>dotnet</c> and reads the figures it writes.</summary>
    private sealed class HostProcess(string assembly, string work)
    {
        private int count;

        public IReadOnlyDictionary<string, double> Run(string mode, params string[] args)
        {
            var outFile = Path.Combine(work, $"host-{++count}.json");
            var start = new ProcessStartInfo(Support.DotnetHost.Executable()) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add(assembly);
            start.ArgumentList.Add(mode);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            if (mode != "make-empty")
            {
                start.ArgumentList.Add("--out");
                start.ArgumentList.Add(outFile);
            }

            // Nothing of the measuring process's environment should steer the store the module opens.
            start.Environment.Remove("KEYADMIN_STORE");
            using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"KeyAdmin.ScaleHost {mode} failed with exit code {process.ExitCode}: {stderr.Result}{stdout.Result}");
            }

            return mode == "make-empty"
                ? new Dictionary<string, double>()
                : JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(outFile))!;
        }
    }
}
