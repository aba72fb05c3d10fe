using System.Net;
using System.Net.Sockets;
using KeyAdmin.TestSupport;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// The team store from PowerShell, as an administrator uses it: Connect-KeyAdminStore -ConnectionString with the
/// shared key file against the run's own PostgreSQL server, with Npgsql loaded from the built module's
/// Dependencies folder; and a server that cannot be reached gives a clear error and writes nothing locally.
/// </summary>
public sealed class TeamStoreTests
{
    [Fact]
    public void Connect_WithAConnectionStringAndAKeyFile_RoundTripsAKeyThroughPostgreSQL()
    {
        var cluster = PostgresCluster.Shared;
        var database = cluster.CreateDatabase();
        using var session = new ModuleSession(connect: false);
        var keyFile = Path.Combine(session.Directory, "team.kek");
        var location = $"postgresql://{PostgresCluster.Role}@127.0.0.1:{cluster.Port}/{database}";

        var connected = session.Run("Connect-KeyAdminStore -ConnectionString $args[0] -KeyFile $args[1] -PassThru", cluster.ConnectionStringFor(database), keyFile).Single();
        var desk = session.NewConfirmedAccount();
        var created = session.NewKeys(desk, "bot-a")[0];
        var listed = session.Run("Get-ApiKey -Account desk -Name bot-a").Single();
        var store = session.Run("Get-KeyAdminStore").Single();

        Assert.Equal("PostgreSQL", connected.Text("Engine"));
        Assert.Equal(location, connected.Text("Location"));
        Assert.Equal(created.Text("KeyId"), listed.Text("KeyId"));
        Assert.Equal("Enabled", listed.Text("Status"));
        Assert.Equal(("PostgreSQL", location, "Connect-KeyAdminStore", keyFile), (store.Text("Engine"), store.Text("Location"), store.Text("Source"), store.Text("KeyEncryptionKey")));
        Assert.True((bool)store.Property("Exists")!);
        Assert.DoesNotContain(cluster.RolePassword, string.Join("|", store.Properties.Select(p => p.Value?.ToString())), StringComparison.Ordinal);
        Assert.Equal("bot-a", cluster.Psql("SELECT name FROM keyadmin.api_keys", database));
        Assert.Equal("0", cluster.Psql("SELECT count(*) FROM keyadmin.api_keys WHERE secret IS NULL", database));
        Assert.True(File.Exists(keyFile), "the shared key file was not created beside the session, outside the database");

        // The driver came from the module's own folder, through its private load context (this project references no Npgsql).
        var npgsql = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "Npgsql").ToList();
        Assert.NotEmpty(npgsql);
        Assert.All(npgsql, a => Assert.Equal(Path.Combine(ModulePaths.ModuleFolder, "Dependencies", "Npgsql.dll"), a.Location));
    }

    [Fact]
    public void Connect_WithAConnectionStringButNoKeyFile_FailsWithKeyEncryptionKeyMissingNamingTheWays()
    {
        var cluster = PostgresCluster.Shared;
        using var session = new ModuleSession();

        var result = session.Run("Connect-KeyAdminStore -ConnectionString $args[0]", cluster.ConnectionStringFor(cluster.CreateDatabase()));

        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.KeyEncryptionKeyMissing,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("-KeyFile", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(session.StorePath, session.Run("Get-KeyAdminStore").Single().Text("Location"));
    }

    [Fact]
    public void Connect_ToAnUnreachableServer_FailsWithStoreUnavailable_KeepsTheSessionsStore_AndWritesNothing()
    {
        using var session = new ModuleSession();
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        var keyFile = Path.Combine(session.Directory, "team.kek");
        var before = Directory.GetFileSystemEntries(session.Directory, "*", SearchOption.AllDirectories).Order().ToList();

        var result = session.Run(
            "Connect-KeyAdminStore -ConnectionString $args[0] -KeyFile $args[1]",
            $"Host=127.0.0.1;Port={ClosedPort()};Database=keyadmin;Username=admin;Password={password};Timeout=5",
            keyFile);

        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.StoreUnavailable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(System.Management.Automation.ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.StartsWith("postgresql://admin@127.0.0.1:", error.TargetObject?.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.Exception.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(session.Directory, "*", SearchOption.AllDirectories).Order().ToList());
        var store = session.Run("Get-KeyAdminStore").Single();
        Assert.Equal(("SQLite", session.StorePath), (store.Text("Engine"), store.Text("Location")));
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>$env:KEYADMIN_STORE may hold a connection string; the process environment is shared, so these run alone.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class TeamStoreEnvironmentTests
{
    [Fact]
    public void EnvironmentVariable_HoldingAConnectionString_SelectsPostgreSQLWithTheSharedKeyFile()
    {
        var cluster = PostgresCluster.Shared;
        var database = cluster.CreateDatabase();
        using var session = new ModuleSession(connect: false);
        var keyFile = Path.Combine(session.Directory, "team.kek");
        try
        {
            Environment.SetEnvironmentVariable("KEYADMIN_STORE", cluster.ConnectionStringFor(database));
            Environment.SetEnvironmentVariable("KEYADMIN_KEY_FILE", keyFile);

            var before = session.Run("Get-KeyAdminStore").Single();
            session.NewPendingAccount("desk");
            var after = session.Run("Get-KeyAdminStore").Single();

            Assert.Equal(("PostgreSQL", "$env:KEYADMIN_STORE", keyFile, false), (before.Text("Engine"), before.Text("Source"), before.Text("KeyEncryptionKey"), (bool)before.Property("Exists")!));
            Assert.Equal($"postgresql://{PostgresCluster.Role}@127.0.0.1:{cluster.Port}/{database}", after.Text("Location"));
            Assert.True((bool)after.Property("Exists")!);
            Assert.Equal("desk", cluster.Psql("SELECT name FROM keyadmin.accounts", database));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KEYADMIN_STORE", null);
            Environment.SetEnvironmentVariable("KEYADMIN_KEY_FILE", null);
        }
    }

    [Fact]
    public void EnvironmentVariable_NamingAnUnreachableServer_FailsWithStoreUnavailable_AndNoFileStoreIsCreatedInstead()
    {
        using var session = new ModuleSession(connect: false);
        var keyFile = Path.Combine(session.Directory, "team.kek");
        var connectionString = $"Host=127.0.0.1;Port={TeamStoreTests.ClosedPort()};Database=keyadmin;Username=admin;Password=pw;Timeout=5";
        var defaultStore = Path.Combine(
            Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
            "KeyAdmin",
            "keyadmin.db");
        var defaultExisted = File.Exists(defaultStore);
        var cwd = Directory.GetCurrentDirectory();
        var cwdBefore = Directory.GetFileSystemEntries(cwd).Order().ToList();
        try
        {
            Environment.SetEnvironmentVariable("KEYADMIN_STORE", connectionString);
            Environment.SetEnvironmentVariable("KEYADMIN_KEY_FILE", keyFile);

            var result = session.Run("New-KeyAdminAccount -Name desk -Email desk@example.com");

            Assert.StartsWith("KeyAdmin.StoreUnavailable,", result.OnlyError().FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(cwdBefore, Directory.GetFileSystemEntries(cwd).Order().ToList());
            Assert.Equal(defaultExisted, File.Exists(defaultStore));
            Assert.False(File.Exists(keyFile), "a key file was created for a store that could not be reached");
        }
        finally
        {
            Environment.SetEnvironmentVariable("KEYADMIN_STORE", null);
            Environment.SetEnvironmentVariable("KEYADMIN_KEY_FILE", null);
        }
    }
}
