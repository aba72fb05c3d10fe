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
public sealed partial class StoreTarget
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
        if (LooksLikeConnectionString(path))
        {
            // Never a folder named after a password: a connection string that KeyAdmin does not read is an error.
            throw new KeyAdminException(
                KeyAdminError.StoreUnavailable,
                "The store looks like a connection string (it has '://', 'Password=' or 'keyword=value;'), not a file path, and is not a PostgreSQL " +
                "connection string KeyAdmin reads (Host=…;Database=… or postgresql://…). Pass it with -ConnectionString, or give a file path.",
                "(connection string)");
        }

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

    /// <summary>
    /// A connection string (Host=… or postgresql://…, white space around it ignored) selects PostgreSQL; a file path
    /// the embedded store; anything that looks like a connection string but is not one KeyAdmin reads is refused.
    /// </summary>
    public static StoreTarget Parse(string pathOrConnectionString, string? keyFile = null)
    {
        var value = pathOrConnectionString.Trim();
        return IsConnectionString(value) ? ForConnectionString(value, keyFile) : ForPath(value, keyFile);
    }

    /// <summary>$KEYADMIN_STORE (a path or a connection string), else the embedded store in the user's data folder.</summary>
    public static StoreTarget FromEnvironment()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable);
        return !string.IsNullOrWhiteSpace(fromEnvironment) ? Parse(fromEnvironment) : ForPath(StoreLocation.DefaultPath());
    }

    /// <summary>True for a value with '://', 'Password=' (or 'Pwd='), or 'keyword=value;' pairs: never a file path.</summary>
    public static bool LooksLikeConnectionString(string value) => ConnectionStringShape().IsMatch(value);

    /// <summary>
    /// Opens the store, creating or migrating it on first use; with <paramref name="readOnly"/>, only an existing
    /// store of the current schema, which nothing done with it can write.
    /// </summary>
    public IKeyAdminStore Open(bool readOnly = false)
    {
        if (postgres is null)
        {
            return SqliteStore.Open(Location, keySource ?? new FileKeyEncryptionKeySource(KeyFile!), readOnly);
        }

        if (keySource is not null)
        {
            return PostgresStore.Open(postgres, keySource, readOnly);
        }

        if (KeyFile is null)
        {
            throw new KeyAdminException(
                KeyAdminError.KeyEncryptionKeyMissing,
                $"The PostgreSQL store '{Location}' needs the team's key-encryption key file: pass -KeyFile or set $env:{KeyFileVariable}. " +
                "It is never kept in the database.",
                Location);
        }

        return PostgresStore.Open(postgres, new FileKeyEncryptionKeySource(KeyFile), readOnly);
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

    [System.Text.RegularExpressions.GeneratedRegex(@"://|(?:^|[\s;/\\])(?:password|pwd)\s*=|[A-Za-z][A-Za-z ]*=[^;]*;", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ConnectionStringShape();
}
