using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks.Tests;

/// <summary>Each benchmark runs, and what it returns is what it claims to measure (an accepted request, an accepted code, a key).</summary>
public sealed class BenchmarkSmokeTests
{
    public static TheoryData<string> Classes => new(BenchmarkSmoke.BenchmarkClasses.Select(t => t.Name));

    [Fact]
    public void EveryBenchmarkClass_HasItsBaselineInTheSameClass()
    {
        Assert.NotEmpty(BenchmarkSmoke.BenchmarkClasses);
        foreach (var type in BenchmarkSmoke.BenchmarkClasses)
        {
            var baselines = type.GetMethods()
                .Select(m => m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false).Cast<BenchmarkDotNet.Attributes.BenchmarkAttribute>().SingleOrDefault())
                .Count(a => a?.Baseline == true);
            Assert.True(baselines == 1, $"{type.Name} has {baselines} baselines; the Ratio column needs exactly one.");
        }
    }

    [Theory]
    [MemberData(nameof(Classes))]
    public void Benchmark_RunsAFewTimes_AndItsResultsAreSane(string className)
    {
        var type = BenchmarkSmoke.BenchmarkClasses.Single(t => t.Name == className);

        var results = BenchmarkSmoke.Run(type);

        Assert.NotEmpty(results);
        foreach (var (method, returned) in results)
        {
            Assert.All(returned, value =>
            {
                Assert.True(value is not null, $"{className}.{method} returned null.");
                switch (value)
                {
                    case VerificationResult verification:
                        Assert.True(verification.Accepted, $"{className}.{method} was refused: {verification.Reason} ({verification.Message})");
                        break;
                    case bool accepted:
                        Assert.True(accepted, $"{className}.{method} returned false.");
                        break;
                    case ApiKey key:
                        Assert.Equal(ApiKeyStatus.Enabled, key.StoredStatus);
                        Assert.StartsWith(KeyTokens.KeyIdPrefix, key.KeyId, StringComparison.Ordinal);
                        break;
                }
            });
        }
    }

    [Fact]
    public void KeyCreation_CreatesOneKeyPerInvocation_EachWithItsAuditRecord()
    {
        var results = BenchmarkSmoke.Run(typeof(KeyCreationBenchmarks), invocations: 4);

        var keys = results[nameof(KeyCreationBenchmarks.CreateKey)].Cast<ApiKey>().ToList();
        Assert.Equal(4, keys.Select(k => k.KeyId).Distinct().Count());
        Assert.Equal(new long[] { 1, 2, 3, 4 }, results[nameof(KeyCreationBenchmarks.BareDurableInsert)].Cast<long>());
    }
}
