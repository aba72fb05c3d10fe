using System.Security.Cryptography;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// An auditor checks a copy of a store kept as evidence: the commands that only read leave it byte for byte as it
/// was, tampered rows included, and report what they find.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ReadOnlyCommandTests
{
    [Fact]
    public void ReadOnlyCommands_OnACopyKeptAsEvidence_ReportTheTamperedKeyAndChangeNoByte()
    {
        var folder = TempFolder.Create();
        try
        {
            string tampered;
            using (var original = new ModuleSession())
            {
                var desk = original.NewConfirmedAccount();
                original.NewKeys(desk, "bot-a", "bot-b");
                tampered = original.Run("(Get-ApiKey -Account desk -Name bot-a).KeyId").Single().ToString();
                File.Copy(original.StorePath, Path.Combine(folder, "evidence.db"));
                if (File.Exists(original.StorePath + "-wal"))
                {
                    File.Copy(original.StorePath + "-wal", Path.Combine(folder, "evidence.db-wal"));
                }

                File.Copy(original.StorePath + ".kek", Path.Combine(folder, "evidence.db.kek"));
            }

            var evidence = Path.Combine(folder, "evidence.db");
            foreach (var file in new[] { evidence, evidence + ".kek" })
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }

            using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={evidence};Pooling=False"))
            {
                raw.Open();
                using var edit = raw.CreateCommand();
                // The trigger that refuses the edit is put back as it was, as a careful attacker would: a store whose
                // catalogue is not KeyAdmin's own is refused on open (docs/SECURITY.md), and this test is about the row.
                edit.CommandText = "SELECT sql FROM sqlite_schema WHERE name = 'api_keys_permissions_immutable'";
                var trigger = (string)edit.ExecuteScalar()!;
                edit.CommandText = $"DROP TRIGGER api_keys_permissions_immutable; UPDATE api_keys SET permissions = 15 WHERE key_id = '{tampered}'; {trigger}; PRAGMA wal_checkpoint(TRUNCATE);";
                edit.ExecuteNonQuery();
            }

            var before = Hash(evidence);
            using var auditor = new ModuleSession(connect: false);
            var listed = auditor.Run("$env:KEYADMIN_STORE = $args[0]; try { Get-ApiKey -Account desk } finally { $env:KEYADMIN_STORE = $null }", evidence);
            var findings = auditor.Run(
                "$env:KEYADMIN_STORE = $args[0]; try { Test-ApiKeyCompliance | Where-Object Rule -eq 'StoreTampered' } finally { $env:KEYADMIN_STORE = $null }",
                evidence);
            var chain = auditor.Run("$env:KEYADMIN_STORE = $args[0]; try { Test-ApiKeyAuditLog } finally { $env:KEYADMIN_STORE = $null }", evidence).Single();

            Assert.Equal(new[] { "bot-b" }, listed.Output.Select(k => k.Text("Name")));
            var error = Assert.Single(listed.Errors);
            Assert.StartsWith("KeyAdmin.StoreTampered,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal("api_keys:" + tampered, error.TargetObject);
            Assert.Contains(findings.Output, f => f.Text("KeyId") == tampered && f.Text("Severity") == "High");
            Assert.True((bool)chain.Property("IsIntact")!);
            Assert.Equal(before, Hash(evidence));
            Assert.False(File.Exists(evidence + "-wal") && new FileInfo(evidence + "-wal").Length > 0, "a read-only command wrote to the write-ahead log");
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public void ReadOnlyCommand_OnAPathWithNoStore_CreatesNoStoreAndNoKeyFile()
    {
        using var session = new ModuleSession(connect: false);
        var missing = Path.Combine(session.Directory, "mistyped", "keyadmin.db");

        var result = session.Run("$env:KEYADMIN_STORE = $args[0]; try { Get-ApiKey } finally { $env:KEYADMIN_STORE = $null }", missing);

        Assert.NotNull(result.TerminatingRecord ?? result.Errors.FirstOrDefault());
        Assert.False(File.Exists(missing));
        Assert.False(File.Exists(missing + ".kek"));
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
