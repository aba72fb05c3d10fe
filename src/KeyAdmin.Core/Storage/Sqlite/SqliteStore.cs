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

    private SqliteStore(string path, string connectionString, SecretBox secrets, string kekDescription, bool readOnly)
        : base(secrets, new StoreDescription(SqliteDialect.Instance.Engine, path, kekDescription, SqliteSchema.CurrentVersion), readOnly)
    {
        this.connectionString = connectionString;
        connections = new SqliteConnectionPool(connectionString);
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/> with its key-encryption key, creating it on first use, or with
    /// <paramref name="readOnly"/> only an existing store of the current schema, through connections SQLite itself
    /// keeps from writing: opening it, and everything done with it, leaves the file as it was. Without
    /// <paramref name="create"/> a store that does not exist yet is not created either (KeyAdminError.StoreNotFound).
    /// </summary>
    public static SqliteStore Open(string path, IKeyEncryptionKeySource kekSource, bool readOnly = false, bool create = true)
    {
        SqliteBootstrap.EnsureInitialized();
        path = Path.GetFullPath(path);
        if ((readOnly || !create) && (!File.Exists(path) || new FileInfo(path).Length == 0))
        {
            throw new KeyAdminException(KeyAdminError.StoreNotFound, $"There is no KeyAdmin store at '{path}', and only a command that changes something creates one: check the path, or create a new store there with Connect-KeyAdminStore -Create (or New-KeyAdminStoreAdministrator).", path);
        }

        try
        {
            if (readOnly)
            {
                OwnerOnlyFile.RequireSafeFolder(Path.GetDirectoryName(path)!, "store");
            }
            else
            {
                if (!File.Exists(path) && new FileInfo(path).LinkTarget is null && kekSource is FileKeyEncryptionKeySource file &&
                    string.Equals(file.Path, StoreLocation.KeyFileFor(path), StringComparison.Ordinal) && File.Exists(file.Path))
                {
                    // A store is created before its key, so a key beside a store that does not exist was planted.
                    throw new KeyAdminException(
                        KeyAdminError.StoreFileUnsafe,
                        $"The key-encryption key file '{file.Path}' already exists beside the store '{path}' that is about to be created: a key that someone else may know. " +
                        "Remove it, or pass the key you mean with -KeyFile.",
                        file.Path);
                }

                OwnerOnlyFile.EnsureDirectory(Path.GetDirectoryName(path)!);
                OwnerOnlyFile.RequireSafeFolder(Path.GetDirectoryName(path)!, "store");
                OwnerOnlyFile.EnsureFile(path);
            }

            OwnerOnlyFile.RequireSafe(path, "store");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new KeyAdminException(KeyAdminError.StoreUnavailable, $"The store '{path}' cannot be created: {e.Message}", path, e);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        byte[]? kek = null;
        try
        {
            var version = Inspect(path, connectionString);
            kek = kekSource.Load();
            if (kek is null)
            {
                if (version > 0 || readOnly)
                {
                    throw new KeyAdminException(
                        KeyAdminError.KeyEncryptionKeyMissing,
                        $"The store '{path}' holds sealed secrets but its key-encryption key ({kekSource.Description}) is missing.",
                        kekSource.Description);
                }

                kek = kekSource.Create();
            }

            var secrets = new SecretBox(kek);
            if (version < SqliteSchema.CurrentVersion)
            {
                if (readOnly)
                {
                    throw new KeyAdminException(
                        KeyAdminError.StoreReadOnly,
                        $"The store '{path}' has schema version {version} and must be upgraded to {SqliteSchema.CurrentVersion} before it can be read; open it once to change it.",
                        path);
                }

                Migrate(path, connectionString, StoreIntegrity.From(secrets));
            }

            var store = new SqliteStore(path, connectionString, secrets, kekSource.Description, readOnly);
            try
            {
                store.Attach(kekSource.Description);
            }
            catch
            {
                store.Dispose();
                throw;
            }

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
        OnPooledConnection(connection =>
        {
            Execute(connection.Connection, "PRAGMA busy_timeout = 0; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA busy_timeout = 30000;");
            return 0;
        });
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

    /// <summary>One transaction on a pooled connection: deferred for reads, BEGIN IMMEDIATE for writes.</summary>
    private protected override T Run<T>(bool write, Func<StoreSession, T> work) => OnPooledConnection(connection =>
    {
        using var transaction = write
            ? connection.Connection.BeginTransaction(IsolationLevel.Serializable, deferred: false)
            : connection.Connection.BeginTransaction(deferred: true);
        var result = InSession(Session(connection, transaction), write, work);
        if (write)
        {
            transaction.Commit();
        }

        return result;
    });

    private protected override ChangeWatch StartWatch(Action<IReadOnlyCollection<string>> onChanged, TimeSpan pollInterval) =>
        new SqliteChangeWatch(this, connectionString, pollInterval, onChanged);

    /// <summary>One statement on a pooled connection, outside any transaction.</summary>
    private protected override T RunStatement<T>(Func<StoreSession, T> statement) =>
        OnPooledConnection(connection => statement(Session(connection, null)));

    /// <summary>
    /// Work on a pooled connection, which goes back to the pool only when the work ended normally; after any
    /// exception it is closed, whatever its state, and SQLite's errors are translated.
    /// </summary>
    private T OnPooledConnection<T>(Func<PreparedConnection, T> work)
    {
        var connection = Rent();
        try
        {
            var result = work(connection);
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
            while (Next(rows))
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

    /// <summary>The next row of a stream, SQLite's errors translated as every other statement's are.</summary>
    private bool Next<T>(IEnumerator<T> rows)
    {
        try
        {
            return rows.MoveNext();
        }
        catch (SqliteException e)
        {
            throw Translate(e, Description.Location);
        }
    }

    private StoreSession Session(PreparedConnection connection, SqliteTransaction? transaction) =>
        new(connection.Connection, transaction, connection.Commands, SqliteDialect.Instance, Integrity);

    /// <summary>The schema version of the file (0 for a new one), refusing one that is not a KeyAdmin store it knows; writes nothing.</summary>
    private static long Inspect(string path, string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        return CheckKnown(path, connection, null);
    }

    /// <summary>
    /// Applies pending migrations in one transaction; one that introduces row seals seals the existing rows in it
    /// under <paramref name="integrity"/>. Another process may have migrated meanwhile: the version is read again
    /// under the write lock.
    /// </summary>
    private static void Migrate(string path, string connectionString, StoreIntegrity integrity)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;");
        // Look before writing anything: switching to WAL rewrites the file header, and a file that is refused
        // (another application's database, a newer store) must be left exactly as it was.
        CheckKnown(path, connection, null);
        // WAL is a property of the file: set once, every later connection uses it.
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = (int)CheckKnown(path, connection, transaction);
        if (version == SqliteSchema.CurrentVersion)
        {
            return;
        }

        for (var next = version; next < SqliteSchema.CurrentVersion; next++)
        {
            ExecuteIn(connection, transaction, SqliteSchema.Migrations[next]);
        }

        if (version > 0 && version < StoreSchema.SealedSince)
        {
            InSession(new StoreSession(connection, transaction, new FreshCommands(connection), SqliteDialect.Instance, integrity), write: true, session =>
            {
                session.SealExistingRows(version);
                return true;
            });
        }

        ExecuteIn(connection, transaction, $"PRAGMA application_id = {SqliteSchema.ApplicationId}; PRAGMA user_version = {SqliteSchema.CurrentVersion};");
        transaction.Commit();
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
