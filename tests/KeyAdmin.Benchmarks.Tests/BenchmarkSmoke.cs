using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace KeyAdmin.Benchmarks.Tests;

/// <summary>
/// Runs a benchmark class the way BenchmarkDotNet does, minus the measuring: for each [Benchmark] method a new
/// instance, its [GlobalSetup], the method a few times (inside [IterationSetup]/[IterationCleanup] when there are
/// any), then its [GlobalCleanup]. Returns what each invocation returned.
/// </summary>
public static class BenchmarkSmoke
{
    public static IReadOnlyList<Type> BenchmarkClasses { get; } = typeof(Program).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static IReadOnlyDictionary<string, IReadOnlyList<object?>> Run(Type type, int invocations = 3)
    {
        if (type.GetProperties().Concat<MemberInfo>(type.GetFields()).Any(m => m.GetCustomAttribute<ParamsAttribute>() is not null || m.GetCustomAttribute<ParamsSourceAttribute>() is not null))
        {
            throw new NotSupportedException($"{type.Name} has [Params]: teach BenchmarkSmoke to run each value.");
        }

        var results = new Dictionary<string, IReadOnlyList<object?>>(StringComparer.Ordinal);
        foreach (var benchmark in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
        {
            var instance = Activator.CreateInstance(type)!;
            Call<GlobalSetupAttribute>(instance, benchmark);
            try
            {
                var returned = new List<object?>();
                Call<IterationSetupAttribute>(instance, benchmark);
                for (var i = 0; i < invocations; i++)
                {
                    returned.Add(Invoke(benchmark, instance));
                }

                Call<IterationCleanupAttribute>(instance, benchmark);
                results[benchmark.Name] = returned;
            }
            finally
            {
                Call<GlobalCleanupAttribute>(instance, benchmark);
            }
        }

        return results;
    }

    /// <summary>Every method with the attribute that applies to <paramref name="benchmark"/> (no Targets, or it among them).</summary>
    private static void Call<TAttribute>(object instance, MethodInfo benchmark)
        where TAttribute : TargetedAttribute
    {
        foreach (var method in instance.GetType().GetMethods())
        {
            var attribute = method.GetCustomAttribute<TAttribute>();
            if (attribute is not null && (attribute.Targets is not { Length: > 0 } targets || targets.Contains(benchmark.Name)))
            {
                Invoke(method, instance);
            }
        }
    }

    private static object? Invoke(MethodInfo method, object instance)
    {
        try
        {
            return method.Invoke(instance, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
