using System.Data;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with synchronous=FULL; every write is a BEGIN IMMEDIATE
/// transaction, which serialises writers across processes on the file lock.
/// </summary>
public sealed class SqliteStore : SqlStore
{
    private readonly string connectionString;
    private readonly SqliteConnectionPool connections;

    private SqliteStore(string path, string connectionString, SecretBox secrets, string kekDescription)
        : base(secrets, new StoreDescription(SqliteDialect.Instance.Engine, path, kekDescription, SqliteSchema.CurrentVersion))
    {
        this.connectionString = connectionString;
        connections = new SqliteConnectionPool(connectionString);
    }

    /// <summary>Opens (creating on first use) the store at <paramref name="path"/>, with its key-encryption key.</summary>
    public static SqliteStore Open(string path, IKeyEncryptionKeySource kekSource)
    {
        SqliteBootstrap.EnsureInitialized();
        path = Path.GetFullPath(path);
        try
        {
            OwnerOnlyFile.EnsureDirectory(Path.GetDirectoryName(path)!);
            OwnerOnlyFile.EnsureFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new KeyAdminException(KeyAdminError.StoreUnavailable, $"The store '{path}' cannot be created: {e.Message}", path, e);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        byte[]? kek = null;
        try
        {
            var isNew = Migrate(path, connectionString);
            kek = kekSource.Load();
            if (kek is null)
            {
                if (!isNew)
                {
                    throw new KeyAdminException(
                        KeyAdminError.KeyEncryptionKeyMissing,
                        $"The store '{path}' holds sealed secrets but its key-encryption key ({kekSource.Description}) is missing.",
                        kekSource.Description);
                }

                kek = kekSource.Create();
            }

            var secrets = new SecretBox(kek);
            var store = new SqliteStore(path, connectionString, secrets, kekSource.Description);
            store.Attach(kekSource.Description);
            return store;
        }
        catch (SqliteException e)
        {
            throw Translate(e, path);
        }
        finally
        {
            if (kek is not null)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(kek);
            }
        }
    }

    /// <summary>Moves committed pages out of the WAL and truncates it, so that destroyed secrets do not linger there.</summary>
    public override void PurgeDestroyed()
    {
        // Without waiting for readers: a reader still streaming in the same pipeline (Get-ApiKey | Remove-ApiKey)
        // would otherwise hold each delete for the whole busy timeout. A checkpoint that finds a reader does what
        // it can now; a later purge, or the last connection's close, truncates the WAL. The connection goes back to
        // the pool, so the busy timeout is restored after the checkpoint.
        var connection = Rent();
        try
        {
            Execute(connection.Connection, "PRAGMA busy_timeout = 0; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA busy_timeout = 30000;");
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Translate(e, Description.Location);
        }

        connections.Return(connection);
    }

    public override void Dispose()
    {
        Secrets.Dispose();
        connections.Dispose();
        // Only this store's pooled connections: other sessions in the process may use other stores.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    internal static KeyAdminException Translate(SqliteException e, string path) => e.SqliteErrorCode switch
    {
        11 or 26 => new KeyAdminException(KeyAdminError.StoreCorrupt, $"The store '{path}' is not a readable KeyAdmin database: {e.Message}", path, e),
        5 or 6 => new KeyAdminException(KeyAdminError.StoreUnavailable, $"The store '{path}' stayed locked by another writer: {e.Message}", path, e),
        8 or 13 or 14 or 10 => new KeyAdminException(KeyAdminError.StoreUnavailable, $"The store '{path}' cannot be written: {e.Message}", path, e),
        _ => new KeyAdminException(KeyAdminError.StoreUnavailable, $"The store '{path}' failed: {e.Message}", path, e),
    };

    private PreparedConnection Rent()
    {
        try
        {
            return connections.Rent();
        }
        catch (SqliteException e)
        {
            throw Translate(e, Description.Location);
        }
    }

    /// <summary>
    /// One transaction on a pooled connection: deferred for reads, BEGIN IMMEDIATE for writes. The connection goes
    /// back to the pool only when the work ended normally; after any exception it is closed, whatever its state.
    /// </summary>
    private protected override T Run<T>(bool write, Func<StoreSession, T> work)
    {
        var connection = Rent();
        try
        {
            T result;
            using (var transaction = write
                ? connection.Connection.BeginTransaction(IsolationLevel.Serializable, deferred: false)
                : connection.Connection.BeginTransaction(deferred: true))
            {
                result = work(Session(connection, transaction));
                if (write)
                {
                    transaction.Commit();
                }
            }

            connections.Return(connection);
            return result;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Translate(e, Description.Location);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private protected override IEnumerable<T> Stream<T>(Func<StoreSession, IEnumerable<T>> query)
    {
        var connection = Rent();
        // True only where the enumeration can stop without an error: after the end, or suspended at a row (a
        // consumer that stops early disposes the enumerator there). The pool also refuses a connection that is
        // still inside a transaction.
        var reusable = false;
        try
        {
            using var transaction = connection.Connection.BeginTransaction(deferred: true);
            using var rows = query(Session(connection, transaction)).GetEnumerator();
            while (rows.MoveNext())
            {
                reusable = true;
                yield return rows.Current;
                reusable = false;
            }

            reusable = true;
        }
        finally
        {
            if (reusable)
            {
                connections.Return(connection);
            }
            else
            {
                connection.Dispose();
            }
        }
    }

    private StoreSession Session(PreparedConnection connection, SqliteTransaction transaction) =>
        new(connection.Connection, transaction, connection.Commands, SqliteDialect.Instance, AuditChain);

    /// <summary>Applies pending migrations; true when the file was empty (a new store).</summary>
    private static bool Migrate(string path, string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000;");
        // Look before writing anything: switching to WAL rewrites the file header, and a file that is refused
        // (another application's database, a newer store) must be left exactly as it was.
        CheckKnown(path, connection, null);
        // WAL is a property of the file: set once, every later connection uses it.
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = CheckKnown(path, connection, transaction);

        for (var next = (int)version; next < SqliteSchema.CurrentVersion; next++)
        {
            ExecuteIn(connection, transaction, SqliteSchema.Migrations[next]);
        }

        if (version < SqliteSchema.CurrentVersion)
        {
            ExecuteIn(connection, transaction, $"PRAGMA application_id = {SqliteSchema.ApplicationId}; PRAGMA user_version = {SqliteSchema.CurrentVersion};");
        }

        transaction.Commit();
        return version == 0;
    }

    /// <summary>Refuses a file that is not a KeyAdmin store of a schema this module knows; returns its schema version.</summary>
    private static long CheckKnown(string path, SqliteConnection connection, SqliteTransaction? transaction)
    {
        var version = Scalar(connection, transaction, "PRAGMA user_version;");
        var applicationId = Scalar(connection, transaction, "PRAGMA application_id;");
        var tables = Scalar(connection, transaction, "SELECT count(*) FROM sqlite_master;");
        if ((version > 0 || tables > 0) && applicationId != SqliteSchema.ApplicationId)
        {
            throw new KeyAdminException(KeyAdminError.StoreCorrupt, $"The file '{path}' is an SQLite database of another application, not a KeyAdmin store.", path);
        }

        if (version > SqliteSchema.CurrentVersion)
        {
            throw new KeyAdminException(
                KeyAdminError.StoreSchemaTooNew,
                $"The store '{path}' has schema version {version}, written by a newer KeyAdmin; this module knows version {SqliteSchema.CurrentVersion}. Update the module.",
                path);
        }

        return version;
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void ExecuteIn(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
