using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage.Postgres;
using KeyAdmin.Core.Storage.Sqlite;
using Npgsql;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// Which store to open, and with which key-encryption key: an SQLite file (the embedded default) or a PostgreSQL
/// database named by a connection string (the team store). The one place that chooses an engine; it shows only
/// <see cref="Location"/>, never the connection string, which may hold a password.
/// </summary>
public sealed class StoreTarget
{
    /// <summary>The key-encryption key file of a PostgreSQL store when -KeyFile is not given: a team shares one file.</summary>
    public const string KeyFileVariable = "KEYADMIN_KEY_FILE";

    private readonly PostgresConnectionString? postgres;

    /// <summary>Where the key-encryption key lives when it is not a file (a vault entry, through the module's adapter).</summary>
    private readonly IKeyEncryptionKeySource? keySource;

    /// <summary>What tells two targets apart: the full path, or the whole connection string. Never shown.</summary>
    private readonly string identity;

    private StoreTarget(string engine, string location, string? keyFile, PostgresConnectionString? postgres, string identity, IKeyEncryptionKeySource? keySource = null)
    {
        this.keySource = keySource;
        Engine = engine;
        Location = location;
        KeyFile = keyFile;
        this.postgres = postgres;
        this.identity = identity;
    }

    /// <summary>"SQLite" or "PostgreSQL", as <see cref="StoreDescription.Engine"/> says once the store is open.</summary>
    public string Engine { get; }

    /// <summary>The database file, or <c>postgresql://user@host:port/database</c> (no password).</summary>
    public string Location { get; }

    /// <summary>The key-encryption key file; null for a PostgreSQL store when none was given (opening it then fails).</summary>
    public string? KeyFile { get; }

    public bool IsPostgres => postgres is not null;

    /// <summary>The same store with its key-encryption key read from <paramref name="source"/> (for example a vault entry) instead of a file.</summary>
    public StoreTarget WithKeySource(IKeyEncryptionKeySource source) =>
        new(Engine, Location, null, postgres, identity, source);

    /// <summary>Where the key-encryption key is: the file, or the source's own description.</summary>
    public string? KeyDescription => keySource?.Description ?? KeyFile;

    /// <summary>The embedded store at <paramref name="path"/>; its key file defaults to the path with ".kek".</summary>
    public static StoreTarget ForPath(string path, string? keyFile = null)
    {
        var full = Path.GetFullPath(path);
        return new StoreTarget("SQLite", full, Path.GetFullPath(keyFile ?? StoreLocation.KeyFileFor(full)), null, full);
    }

    /// <summary>
    /// The team store in the database <paramref name="connectionString"/> names. The key-encryption key is
    /// <paramref name="keyFile"/>, else $KEYADMIN_KEY_FILE: it never lives in the database, so there is no default.
    /// </summary>
    public static StoreTarget ForConnectionString(string connectionString, string? keyFile = null)
    {
        var parsed = PostgresConnectionString.Parse(connectionString);
        keyFile ??= Environment.GetEnvironmentVariable(KeyFileVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        return new StoreTarget(
            "PostgreSQL",
            parsed.Location,
            keyFile is null ? null : Path.GetFullPath(keyFile),
            parsed,
            parsed.Builder.ConnectionString);
    }

    /// <summary>True for a PostgreSQL connection string (<c>Host=…</c>, <c>postgresql://…</c>) rather than a file path.</summary>
    public static bool IsConnectionString(string? value) => PostgresConnectionString.Recognizes(value);

    /// <summary>A connection string (Host=… or postgresql://…) selects PostgreSQL; anything else is a file path.</summary>
    public static StoreTarget Parse(string pathOrConnectionString, string? keyFile = null) =>
        IsConnectionString(pathOrConnectionString)
            ? ForConnectionString(pathOrConnectionString, keyFile)
            : ForPath(pathOrConnectionString, keyFile);

    /// <summary>$KEYADMIN_STORE (a path or a connection string), else the embedded store in the user's data folder.</summary>
    public static StoreTarget FromEnvironment()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable);
        return !string.IsNullOrWhiteSpace(fromEnvironment) && IsConnectionString(fromEnvironment)
            ? ForConnectionString(fromEnvironment)
            : ForPath(StoreLocation.DefaultPath());
    }

    /// <summary>
    /// Opens the store, migrating it; a missing store (and its key-encryption key) is created only when
    /// <paramref name="create"/>, else <see cref="KeyAdminError.StoreNotFound"/>.
    /// </summary>
    public IKeyAdminStore Open(bool create = true)
    {
        if (postgres is null)
        {
            return SqliteStore.Open(Location, keySource ?? new FileKeyEncryptionKeySource(KeyFile!), create);
        }

        if (keySource is not null)
        {
            return PostgresStore.Open(postgres, keySource, create);
        }

        if (KeyFile is null)
        {
            throw new KeyAdminException(
                KeyAdminError.KeyEncryptionKeyMissing,
                $"The PostgreSQL store '{Location}' needs the team's key-encryption key file: pass -KeyFile or set $env:{KeyFileVariable}. " +
                "It is never kept in the database.",
                Location);
        }

        return PostgresStore.Open(postgres, new FileKeyEncryptionKeySource(KeyFile), create);
    }

    /// <summary>Whether the store exists, without creating it: the file, or KeyAdmin's schema in the database (false when unreachable).</summary>
    public bool Exists()
    {
        if (postgres is null)
        {
            return File.Exists(Location);
        }

        try
        {
            var probe = new NpgsqlConnectionStringBuilder(postgres.Builder.ConnectionString) { Timeout = Math.Min(postgres.Builder.Timeout, 5), Pooling = false };
            using var connection = new NpgsqlConnection(probe.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection);
            command.Parameters.AddWithValue("table", $"{PostgresSchema.Name}.{PostgresSchema.MetaTable}");
            return command.ExecuteScalar() is true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>True when both name the same store with the same key file.</summary>
    public bool SameStore(StoreTarget? other) =>
        other is not null && other.Engine == Engine && other.identity == identity && other.KeyDescription == KeyDescription;

    public override string ToString() => Location;
}
