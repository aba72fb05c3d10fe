using System.Net;
using System.Net.Sockets;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Postgres;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.TestSupport;
using Npgsql;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// The team store's own promises, where the SQLite suite checks files on disk: a versioned schema created and
/// migrated on first use (once, however many processes open it at once), clear refusals for databases it must
/// not touch, the key-encryption key kept out of the database, and a password that is never shown.
/// </summary>
public sealed class PostgresStoreTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "keyadmin-pg-tests", Guid.NewGuid().ToString("N"));

    public PostgresStoreTests()
    {
        Directory.CreateDirectory(folder);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Kek => Path.Combine(folder, "team.kek");

    private PostgresStore Open(string connectionString, string? keyFile = null) =>
        PostgresStore.Open(connectionString, new FileKeyEncryptionKeySource(keyFile ?? Kek));

    [Fact]
    public void Open_OfAFreshDatabase_CreatesTheSchemaInItsOwnNamespaceAndRecordsItsVersion()
    {
        var connectionString = TestDatabase.Create();

        using var store = Open(connectionString);

        Assert.Equal("PostgreSQL", store.Description.Engine);
        Assert.Equal(PostgresSchema.CurrentVersion, store.Description.SchemaVersion);
        Assert.Equal(Kek, store.Description.KeyEncryptionKey);
        Assert.Equal(PostgresSchema.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), RawDb.Text(connectionString, "SELECT value FROM keyadmin_meta WHERE name = 'schema_version'"));
        Assert.Equal(0, RawDb.Scalar(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
        Assert.True(File.Exists(Kek), "the key-encryption key file of a new store was not created");
        Assert.Equal(32, new FileInfo(Kek).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Kek));
        }

        Assert.NotEmpty(store.StoreId);
    }

    [Fact]
    public void Description_NamesHostPortDatabaseAndUser_NeverThePassword()
    {
        var connectionString = TestDatabase.Create();
        var cluster = PostgresCluster.Shared;

        using var store = Open(connectionString);

        var database = TestDatabase.NameOf(connectionString);
        Assert.Equal($"postgresql://{PostgresCluster.Role}@127.0.0.1:{cluster.Port}/{database}", store.Description.Location);
        Assert.DoesNotContain(cluster.RolePassword, store.Description.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.RolePassword, StoreTarget.ForConnectionString(connectionString, Kek).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WithAPostgresqlUri_ReachesTheSameStore()
    {
        var connectionString = TestDatabase.Create();
        var cluster = PostgresCluster.Shared;
        using (var store = Open(connectionString))
        {
            new KeyAdminAuthority(store, TimeProvider.System, new Actor("t", "h")).Accounts.Create("desk", "desk@example.com");
        }

        var uri = $"postgresql://{PostgresCluster.Role}:{Uri.EscapeDataString(cluster.RolePassword)}@127.0.0.1:{cluster.Port}/{TestDatabase.NameOf(connectionString)}?application_name=uri-test";

        Assert.True(StoreTarget.IsConnectionString(uri));
        using var again = Open(uri);
        Assert.Equal("desk", again.Read(r => r.FindAccount("DESK"))!.Name);
    }

    [Fact]
    public void Open_Again_KeepsWhatWasStoredAndTheChain()
    {
        var connectionString = TestDatabase.Create();
        using (var store = Open(connectionString))
        {
            new KeyAdminAuthority(store, TimeProvider.System, new Actor("t", "h")).Accounts.Create("desk", "desk@example.com");
        }

        using var again = Open(connectionString);

        Assert.Equal("desk", again.Read(r => r.FindAccount("DESK"))!.Name);
        Assert.True(new KeyAdminAuthority(again, TimeProvider.System, new Actor("t", "h")).Audit.Verify().IsIntact);
    }

    [Fact]
    public async Task Open_ByEightAtOnceOnAFreshDatabase_MigratesItOnce()
    {
        var connectionString = TestDatabase.Create();
        // The team's key file exists already, as it does once an administrator has handed it out.
        new FileKeyEncryptionKeySource(Kek).Create();
        using var go = new ManualResetEventSlim();

        var opening = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            go.Wait();
            return Open(connectionString);
        })).ToArray();
        go.Set();
        var stores = await Task.WhenAll(opening);

        try
        {
            Assert.All(stores, s => Assert.Equal(PostgresSchema.CurrentVersion, s.Description.SchemaVersion));
            Assert.Single(stores.Select(s => s.StoreId).Distinct());
            Assert.Equal(1, RawDb.Scalar(connectionString, "SELECT count(*) FROM pg_namespace WHERE nspname = 'keyadmin'"));
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Fact]
    public void Open_OfASchemaFromBeforeTheAuditChain_IsRefusedAndLeftAsItWas()
    {
        var connectionString = TestDatabase.Create();
        // A store that says it is of schema 1, before the audit chain: nothing proves its log, and a current store
        // stripped of its chain and seals looks the same, so its rows are not sealed as they stand
        // (IntegrityRedTeamTests.Upgrade_OfAStoreMadeToLookOlderThanTheAuditChain_IsRefusedRatherThanItsEditsSealed).
        RawDb.Execute(
            connectionString,
            $"SET ROLE {PostgresCluster.Role}; CREATE SCHEMA keyadmin; {PostgresSchema.Migrations[0]}; " +
            "INSERT INTO keyadmin_meta (name, value) VALUES ('schema_version', '1'); " +
            "INSERT INTO accounts (account_id, name, name_key, email, created_at, created_by) VALUES ('acc_1', 'Old', 'old', 'old@example.com', 0, 'v1');");
        var before = RawDb.Dump(connectionString, "accounts");

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => Open(connectionString));

        Assert.Contains("before the audit chain", e.Message, StringComparison.Ordinal);
        Assert.Equal("1", RawDb.Text(connectionString, "SELECT value FROM keyadmin_meta WHERE name = 'schema_version'"));
        Assert.Equal(before, RawDb.Dump(connectionString, "accounts"));
    }

    [Fact]
    public void Open_OfASchema4Store_MigratesItAndJobsRegisteredBeforeScopesKeepTheDefaultScope()
    {
        var connectionString = TestDatabase.Create();
        // As release 0.1.0 left it: initialised (the KEK's fingerprint and the store's id recorded), then an account with a job.
        using var kek = new KeyAdmin.Core.Crypto.SecretBox(new FileKeyEncryptionKeySource(Kek).Create());
        RawDb.Execute(
            connectionString,
            $"SET ROLE {PostgresCluster.Role}; CREATE SCHEMA keyadmin; SET search_path = keyadmin; {string.Concat(PostgresSchema.Migrations.Take(4))}; " +
            $"INSERT INTO keyadmin_meta (name, value) VALUES ('schema_version', '4'), ('kek_fingerprint', '{kek.Fingerprint}'), ('store_id', 'release-0-1-0'); " +
            "INSERT INTO accounts (account_id, name, name_key, email, created_at, created_by) VALUES ('a1', 'desk', 'desk', 'desk@example.com', 0, 'v4'); " +
            "INSERT INTO authenticators (authenticator_id, account_id, name, name_key, kind, status, created_at, created_by) VALUES ('j1', 'a1', 'job', 'job', 'Automation', 'Active', 0, 'v4');");

        using var store = Open(connectionString);

        Assert.Equal(PostgresSchema.CurrentVersion, store.Description.SchemaVersion);
        Assert.Equal(KeyAdmin.Core.TwoFactor.AutomationScopes.Default, store.Read(r => r.ListAuthenticators("a1")).Single().Scope);
        Assert.Null(store.Read(r => r.FindAccount("desk"))!.RecoveryUntil);
        Assert.Equal(TimeSpan.FromHours(24), store.Read(r => r.ReadPolicy()).RecoveryCoolingOff);
    }

    [Fact]
    public void Open_OfAStoreFromANewerSchema_RefusesWithStoreSchemaTooNewAndChangesNothing()
    {
        var connectionString = TestDatabase.Create();
        RawDb.Execute(
            connectionString,
            $"SET ROLE {PostgresCluster.Role}; CREATE SCHEMA keyadmin; CREATE TABLE keyadmin.keyadmin_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL); " +
            "INSERT INTO keyadmin.keyadmin_meta VALUES ('schema_version', '99')");

        var e = Refusal.Expect(KeyAdminError.StoreSchemaTooNew, () => Open(connectionString));

        Assert.StartsWith("postgresql://", (string)e.Target!, StringComparison.Ordinal);
        Assert.Equal(1, RawDb.Scalar(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'keyadmin'"));
        Assert.Equal("99", RawDb.Text(connectionString, "SELECT value FROM keyadmin_meta WHERE name = 'schema_version'"));
        Assert.False(File.Exists(Kek), "a key file was created for a store that was refused");
    }

    [Fact]
    public void Open_WhereTheKeyAdminSchemaHoldsAnotherApplicationsTables_RefusesWithStoreCorrupt()
    {
        var connectionString = TestDatabase.Create();
        RawDb.Execute(connectionString, $"SET ROLE {PostgresCluster.Role}; CREATE SCHEMA keyadmin; CREATE TABLE keyadmin.customers (id INTEGER PRIMARY KEY, name TEXT)");

        Refusal.Expect(KeyAdminError.StoreCorrupt, () => Open(connectionString));

        Assert.Equal(1, RawDb.Scalar(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'keyadmin'"));
    }

    [Fact]
    public void Open_InADatabaseThatOtherApplicationsUse_LeavesTheirTablesAlone()
    {
        var connectionString = TestDatabase.Create();
        RawDb.Execute(connectionString, $"CREATE TABLE public.accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO public.accounts VALUES (1, 'Ada'); GRANT ALL ON public.accounts TO {PostgresCluster.Role}");

        using var store = Open(connectionString);
        new KeyAdminAuthority(store, TimeProvider.System, new Actor("t", "h")).Accounts.Create("desk", "desk@example.com");

        Assert.Equal("1|Ada", RawDb.Dump(connectionString, "public.accounts"));
        Assert.Single(store.Read(r => r.ListAccounts()));
    }

    [Fact]
    public void Open_OfAnExistingStoreWithoutItsKeyFile_RefusesWithKeyEncryptionKeyMissingAndCreatesNone()
    {
        var connectionString = TestDatabase.Create();
        Open(connectionString).Dispose();
        File.Delete(Kek);

        Refusal.Expect(KeyAdminError.KeyEncryptionKeyMissing, () => Open(connectionString));

        Assert.False(File.Exists(Kek), "a new key file was made for a store whose secrets it cannot open");
    }

    [Fact]
    public void Open_WithAnotherStoresKeyFile_RefusesWithKeyEncryptionKeyMismatch()
    {
        var a = TestDatabase.Create();
        var b = TestDatabase.Create();
        var otherKek = Path.Combine(folder, "other.kek");
        Open(a).Dispose();
        Open(b, otherKek).Dispose();

        Refusal.Expect(KeyAdminError.KeyEncryptionKeyMismatch, () => Open(a, otherKek));
    }

    [Fact]
    public void Target_ForAConnectionStringWithoutAKeyFile_RefusesToOpenAndNamesTheWaysToGiveOne()
    {
        var saved = Environment.GetEnvironmentVariable(StoreTarget.KeyFileVariable);
        Environment.SetEnvironmentVariable(StoreTarget.KeyFileVariable, null);
        try
        {
            var target = StoreTarget.ForConnectionString(TestDatabase.Create());

            var e = Refusal.Expect(KeyAdminError.KeyEncryptionKeyMissing, () => target.Open());

            Assert.Contains("-KeyFile", e.Message, StringComparison.Ordinal);
            Assert.Contains("KEYADMIN_KEY_FILE", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(StoreTarget.KeyFileVariable, saved);
        }
    }

    [Fact]
    public void Open_WhenTheServerIsUnreachable_RefusesWithStoreUnavailableAtOnceAndWritesNothingLocally()
    {
        var password = "Unreachable-" + Guid.NewGuid().ToString("N");
        var connectionString = $"Host=127.0.0.1;Port={ClosedPort()};Database=keyadmin;Username=keyadmin;Password={password}";
        var before = Directory.GetFileSystemEntries(folder);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var e = Refusal.Expect(KeyAdminError.StoreUnavailable, () => StoreTarget.ForConnectionString(connectionString, Kek).Open());

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"refusing took {watch.Elapsed}");
        Assert.StartsWith("postgresql://keyadmin@127.0.0.1:", (string)e.Target!, StringComparison.Ordinal);
        Assert.DoesNotContain(password, e.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(folder));
        Assert.False(File.Exists(Kek), "a key file was created for a store that could not be reached");
    }

    [Fact]
    public void Open_WithAWrongPassword_RefusesWithStoreUnavailableAndDoesNotRepeatThePassword()
    {
        var wrong = "Wrong-" + Guid.NewGuid().ToString("N");
        var connectionString = new NpgsqlConnectionStringBuilder(TestDatabase.Create()) { Password = wrong }.ConnectionString;

        var e = Refusal.Expect(KeyAdminError.StoreUnavailable, () => Open(connectionString));

        Assert.Contains("credentials", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Pasword=S3cr3t-in-a-typo", "S3cr3t-in-a-typo")]
    [InlineData("Host=127.0.0.1;Password=S3cr3t;part=of-it", "part")]
    [InlineData("Database=keyadmin;Password=S3cr3t-no-host", "S3cr3t-no-host")]
    [InlineData("postgresql://admin:S3cr3t-uri@db/keyadmin?password_file=S3cr3t-uri", "S3cr3t-uri")]
    public void Parse_OfAMalformedConnectionString_RefusesWithoutRepeatingAnyOfIt(string connectionString, string secret)
    {
        var e = Refusal.Expect(KeyAdminError.StoreUnavailable, () => StoreTarget.ForConnectionString(connectionString, Kek));

        Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        Assert.Null(e.InnerException);
        Assert.Equal("(connection string)", e.Target);
    }

    [Theory]
    [InlineData("Host=db.example.com;Database=keyadmin", true)]
    [InlineData("server=db;database=keyadmin", true)]
    [InlineData("postgresql://admin@db.example.com/keyadmin", true)]
    [InlineData("postgres://db/keyadmin", true)]
    [InlineData("/srv/keyadmin/keyadmin.db", false)]
    [InlineData("C:\\KeyAdmin\\Host=1.db", false)]
    [InlineData("./team.db", false)]
    public void IsConnectionString_TellsConnectionStringsFromPaths(string value, bool expected) =>
        Assert.Equal(expected, StoreTarget.IsConnectionString(value));

    [Fact]
    public void Target_FromTheEnvironment_TakesAConnectionStringAndTheSharedKeyFile()
    {
        var savedStore = Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable);
        var savedKey = Environment.GetEnvironmentVariable(StoreTarget.KeyFileVariable);
        try
        {
            var connectionString = TestDatabase.Create();
            Environment.SetEnvironmentVariable(StoreLocation.EnvironmentVariable, connectionString);
            Environment.SetEnvironmentVariable(StoreTarget.KeyFileVariable, Kek);

            var target = StoreTarget.FromEnvironment();

            Assert.Equal("PostgreSQL", target.Engine);
            Assert.Equal(Kek, target.KeyFile);
            Assert.False(target.Exists(), "a database without KeyAdmin's schema was reported as a store");
            using (var store = target.Open())
            {
                Assert.Equal(target.Location, store.Description.Location);
            }

            Assert.True(target.Exists());
        }
        finally
        {
            Environment.SetEnvironmentVariable(StoreLocation.EnvironmentVariable, savedStore);
            Environment.SetEnvironmentVariable(StoreTarget.KeyFileVariable, savedKey);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
