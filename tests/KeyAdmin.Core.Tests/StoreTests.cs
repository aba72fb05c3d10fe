using System.Security.AccessControl;
using System.Security.Cryptography;
using System.Security.Principal;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>The embedded store: owner-only files, schema versions, and clear refusals for files it must not touch.</summary>
public sealed class StoreTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "keyadmin-core-tests", Guid.NewGuid().ToString("N"));

    public StoreTests()
    {
        Directory.CreateDirectory(folder);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static SqliteStore Open(string path) => SqliteStore.Open(path, new FileKeyEncryptionKeySource(path + ".kek"));

    /// <summary>A file this test wrote, made owner-only so that only what the test is about can refuse it.</summary>
    private static void OwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerFile);
        }
    }

    [Fact]
    public void Open_CreatesTheDatabaseAndItsFolderOwnerOnly()
    {
        var path = Path.Combine(folder, "new", "deeper", "keyadmin.db");

        using (var store = Open(path))
        {
            store.Read(r => r.ListAccounts());
        }

        AssertOwnerOnly(path, OwnerFile);
        AssertOwnerOnly(Path.GetDirectoryName(path)!, OwnerFolder);
        AssertOwnerOnly(path + ".kek", OwnerFile);
        Assert.Equal(32, new FileInfo(path + ".kek").Length);
    }

    [Fact]
    public void Open_TheWalAndSharedMemoryFilesAreOwnerOnlyToo()
    {
        var path = Path.Combine(folder, "s", "keyadmin.db");
        using var store = Open(path);
        new Authority.KeyAdminAuthority(store, TimeProvider.System, new Audit.Actor("t", "h")).Accounts.Create("desk", "desk@example.com");

        foreach (var file in new[] { path + "-wal", path + "-shm" }.Where(File.Exists))
        {
            AssertOwnerOnly(file, OwnerFile);
        }
    }

    [Fact]
    public void Open_OfANewStore_RecordsTheSchemaVersionAndApplicationId()
    {
        var path = Path.Combine(folder, "keyadmin.db");

        using var store = Open(path);

        Assert.True(SqliteSchema.CurrentVersion >= 1);
        Assert.Equal(SqliteSchema.CurrentVersion, store.Description.SchemaVersion);
        Assert.Equal("SQLite", store.Description.Engine);
        Assert.Equal(Path.GetFullPath(path), store.Description.Location);
        Assert.Equal(Path.GetFullPath(path + ".kek"), store.Description.KeyEncryptionKey);
        Assert.Equal(SqliteSchema.CurrentVersion, RawDb.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(0x4B41444D, RawDb.Scalar(path, "PRAGMA application_id"));
        Assert.Equal("wal", RawDbText(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Open_Again_KeepsWhatWasStored()
    {
        var path = Path.Combine(folder, "keyadmin.db");
        using (var store = Open(path))
        {
            new Authority.KeyAdminAuthority(store, TimeProvider.System, new Audit.Actor("t", "h")).Accounts.Create("desk", "desk@example.com");
        }

        using var again = Open(path);

        Assert.Equal("desk", again.Read(r => r.FindAccount("DESK"))!.Name);
    }

    [Fact]
    public void Open_OfAStoreFromANewerSchema_RefusesWithStoreSchemaTooNewAndLeavesTheFileUnchanged()
    {
        var path = Path.Combine(folder, "newer.db");
        RawDb.Execute(path, "PRAGMA application_id = 1262568525; PRAGMA user_version = 99; CREATE TABLE future (x INTEGER);");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        OwnerOnly(path);
        var before = File.ReadAllBytes(path);

        var e = Refusal.Expect(KeyAdminError.StoreSchemaTooNew, () => Open(path));

        Assert.Equal(Path.GetFullPath(path), e.Target);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".kek"), "a key file was created for a store that was refused");
    }

    [Fact]
    public void Open_OfASchema4Store_MigratesItAndJobsRegisteredBeforeScopesKeepTheDefaultScope()
    {
        var path = Path.Combine(folder, "v4.db");
        // As release 0.1.0 left it: initialised (the KEK's fingerprint and the store's id recorded), then an account with a job.
        using var kek = new SecretBox(new FileKeyEncryptionKeySource(path + ".kek").Create());
        RawDb.Execute(path, string.Concat(SqliteSchema.Migrations.Take(4)) +
            $"PRAGMA application_id = {SqliteSchema.ApplicationId}; PRAGMA user_version = 4; " +
            $"INSERT INTO meta (name, value) VALUES ('kek_fingerprint', '{kek.Fingerprint}'), ('store_id', 'release-0-1-0'); " +
            "INSERT INTO accounts (account_id, name, name_key, email, created_at, created_by) VALUES ('a1', 'desk', 'desk', 'desk@example.com', 0, 'v4'); " +
            "INSERT INTO authenticators (authenticator_id, account_id, name, name_key, kind, status, created_at, created_by) VALUES ('j1', 'a1', 'job', 'job', 'Automation', 'Active', 0, 'v4');");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerFile);
        }

        using var store = Open(path);

        Assert.Equal(SqliteSchema.CurrentVersion, store.Description.SchemaVersion);
        var job = store.Read(r => r.ListAuthenticators("a1")).Single();
        Assert.Equal(TwoFactor.AutomationScopes.Default, job.Scope);
        var account = store.Read(r => r.FindAccount("desk"))!;
        Assert.Null(account.RecoveryUntil);
        Assert.Empty(store.Read(r => r.ListRecoveryCodes("a1")));
        Assert.Equal(TimeSpan.FromHours(24), store.Read(r => r.ReadPolicy()).RecoveryCoolingOff);
    }

    [Fact]
    public void Open_OfRandomBytes_RefusesWithStoreCorruptAndLeavesTheFileUnchanged()
    {
        var path = Path.Combine(folder, "random.db");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(8192));
        OwnerOnly(path);
        var before = File.ReadAllBytes(path);

        Refusal.Expect(KeyAdminError.StoreCorrupt, () => Open(path));

        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Open_OfAnotherApplicationsDatabase_RefusesWithStoreCorruptAndLeavesTheFileUnchanged()
    {
        var path = Path.Combine(folder, "other-app.db");
        RawDb.Execute(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada');");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        OwnerOnly(path);
        var before = File.ReadAllBytes(path);

        Refusal.Expect(KeyAdminError.StoreCorrupt, () => Open(path));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0, "the other application's database was written to");
    }

    [Fact]
    public void Open_WhereTheParentIsARegularFile_RefusesWithStoreUnavailable()
    {
        var blocker = Path.Combine(folder, "not-a-folder");
        File.WriteAllText(blocker, "x");

        var e = Refusal.Expect(KeyAdminError.StoreUnavailable, () => Open(Path.Combine(blocker, "keyadmin.db")));

        Assert.Equal(Path.GetFullPath(Path.Combine(blocker, "keyadmin.db")), e.Target);
        Assert.Equal("x", File.ReadAllText(blocker));
    }

    [Fact]
    public void Open_OfAnExistingStoreWithoutItsKeyFile_RefusesWithKeyEncryptionKeyMissing()
    {
        var path = Path.Combine(folder, "keyadmin.db");
        Open(path).Dispose();
        File.Delete(path + ".kek");

        Refusal.Expect(KeyAdminError.KeyEncryptionKeyMissing, () => Open(path));

        Assert.False(File.Exists(path + ".kek"), "a new key file was made for a store whose secrets it cannot open");
    }

    [Fact]
    public void Open_WithAnotherStoresKeyFile_RefusesWithKeyEncryptionKeyMismatch()
    {
        var a = Path.Combine(folder, "a.db");
        var b = Path.Combine(folder, "b.db");
        Open(a).Dispose();
        Open(b).Dispose();

        Refusal.Expect(KeyAdminError.KeyEncryptionKeyMismatch, () => SqliteStore.Open(a, new FileKeyEncryptionKeySource(b + ".kek")));
    }

    [Fact]
    public void Open_WithAKeyFileOfTheWrongSize_RefusesWithKeyEncryptionKeyMismatch()
    {
        var path = Path.Combine(folder, "keyadmin.db");
        Open(path).Dispose();
        File.WriteAllBytes(path + ".kek", new byte[16]);

        Refusal.Expect(KeyAdminError.KeyEncryptionKeyMismatch, () => Open(path));
    }

    [Fact]
    public void DefaultPath_IsKeyAdminStoreWhenSet_ElseTheKeyAdminFolderOfTheUserDataFolder()
    {
        var saved = Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(StoreLocation.EnvironmentVariable, Path.Combine(folder, "custom.db"));
            Assert.Equal(Path.Combine(folder, "custom.db"), StoreLocation.DefaultPath());

            Environment.SetEnvironmentVariable(StoreLocation.EnvironmentVariable, null);
            Assert.EndsWith(Path.Combine("KeyAdmin", "keyadmin.db"), StoreLocation.DefaultPath(), StringComparison.Ordinal);
            Assert.True(Path.IsPathRooted(StoreLocation.DefaultPath()));
            Assert.Equal(StoreLocation.DefaultPath() + ".kek", StoreLocation.KeyFileFor(StoreLocation.DefaultPath()));
        }
        finally
        {
            Environment.SetEnvironmentVariable(StoreLocation.EnvironmentVariable, saved);
        }
    }

    private static string RawDbText(string path, string sql)
    {
        using var connection = RawDb.Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static void AssertOwnerOnly(string path, UnixFileMode expected)
    {
        if (OperatingSystem.IsWindows())
        {
            FileSystemSecurity security = Directory.Exists(path)
                ? new DirectoryInfo(path).GetAccessControl()
                : new FileInfo(path).GetAccessControl();
            Assert.True(security.AreAccessRulesProtected, $"{path} inherits permissions from its folder");
            var me = WindowsIdentity.GetCurrent().User!;
            foreach (FileSystemAccessRule rule in security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier)))
            {
                Assert.True(rule.IdentityReference.Equals(me) || rule.AccessControlType == AccessControlType.Deny, $"{path} grants access to {rule.IdentityReference}");
            }
        }
        else
        {
            Assert.Equal(expected, File.GetUnixFileMode(path));
        }
    }
}
