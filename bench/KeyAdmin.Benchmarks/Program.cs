using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using KeyAdmin.Benchmarks.Scale;
using KeyAdmin.Benchmarks.Service;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/KeyAdmin.Benchmarks -- [BenchmarkDotNet arguments]</c> runs the
/// benchmarks (all of them with <c>--filter *</c>); <c>… -- scale --keys 100000 --keys 1000000</c> runs the
/// scale measurements; <c>… -- revocation</c> times a disable across processes; <c>… -- service</c> loads the
/// example service with wrk. See docs/PERFORMANCE.md.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "scale", StringComparison.OrdinalIgnoreCase))
        {
            return ScaleCommand.Run(args[1..], Console.Out);
        }

        if (args.Length > 0 && string.Equals(args[0], "service", StringComparison.OrdinalIgnoreCase))
        {
            return ServiceCommand.Run(args[1..], Console.Out);
        }

        if (args.Length > 0 && string.Equals(args[0], "revocation", StringComparison.OrdinalIgnoreCase))
        {
            return Revocation.RevocationCommand.Run(args[1..], Console.Out);
        }

        if (args.Length > 0 && string.Equals(args[0], "revocation-disabler", StringComparison.OrdinalIgnoreCase))
        {
            return Revocation.RevocationCommand.RunDisabler(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, Config());
        return 0;
    }

    /// <summary>
    /// In process: BenchmarkDotNet's default toolchain generates and builds a project per run, which here would
    /// rebuild the core in a tree that other builds share. The in-process toolchain measures the assemblies that
    /// are already built, so a run can be made from a copy of the output folder.
    /// </summary>
    public static IConfig Config() => DefaultConfig.Instance
        .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
}
