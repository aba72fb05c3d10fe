using System.Reflection;
using KeyAdmin.Benchmarks.Scale;

namespace KeyAdmin.Benchmarks.Tests;

/// <summary>The scale command end to end on a tiny store: seeding, the hosted runspace, the import comparison, the report.</summary>
public sealed class ScaleSmokeTests
{
    [Fact]
    public void Scale_WithTwoHundredKeys_ListsReviewsAndImports()
    {
        var options = new ScaleOptions
        {
            Keys = [200],
            Runs = 1,
            ImportRuns = 1,
            ModuleFolder = Path.Combine(RepositoryRoot(), "out", "KeyAdmin"),
            HostAssembly = ScaleHostAssembly(),
        };

        var report = ScaleCommand.Measure(options, TextWriter.Null);

        var figures = Assert.Single(report.Sizes).Figures;
        Assert.Equal(200, figures["getapikey.count"]);
        Assert.Equal(200, figures["baseline.count"]);
        Assert.True(figures["compliance.count"] > 0, "The seeded store has keys without a binding, unused and old: the review must find them.");
        Assert.True(figures["getapikey.ratio"] > 0);
        Assert.True(figures["getapikey.peak.workingset.mb"] > 10);
        Assert.True(report.Import["cold.keyadmin.ms"] > 0 && report.Import["cold.empty.ms"] > 0);
        Assert.True(report.Import["first.command.ms"] > 0);
        Assert.True(report.Import["warm.ratio"] > 0);
        Assert.Contains("| 200 |", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void Seeder_FillsAccountsUpToTheRaisedLimit_ThroughTheStoreContract()
    {
        var folder = Path.Combine(Path.GetTempPath(), "keyadmin-seed-" + Guid.NewGuid().ToString("N"));
        try
        {
            var seeded = StoreSeeder.Seed(Path.Combine(folder, "keyadmin.db"), 2_500, DateTimeOffset.UtcNow);

            Assert.Equal(3, seeded.Accounts);
            using var store = Core.Storage.Sqlite.SqliteStore.Open(seeded.StorePath, new Core.Crypto.FileKeyEncryptionKeySource(seeded.StorePath + ".kek"));
            Assert.Equal(2_500, store.StreamKeys(new Core.Storage.KeyQuery()).Count());
            Assert.Equal(StoreSeeder.KeysPerAccount, store.Read(r => r.ReadPolicy()).MaxKeysPerAccount);
            Assert.NotNull(store.Read(r => r.ReadSealedSecret(seeded.SampleKeyId)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string ScaleHostAssembly() =>
        typeof(ScaleSmokeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "KeyAdmin.ScaleHost").Value!;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KeyAdmin.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("KeyAdmin.sln not found above " + AppContext.BaseDirectory);
    }
}
