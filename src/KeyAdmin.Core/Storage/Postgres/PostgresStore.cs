using System.Data;
using System.Security.Cryptography;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage.Sql;
using Npgsql;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// The team store: a PostgreSQL database shared by administrators, jobs and services on many machines. Every
/// write is one transaction that first takes a transaction-scoped advisory lock, so writers are serialised across
/// processes and machines exactly as SQLite's BEGIN IMMEDIATE serialises them on one: the key limit, once-only
/// codes and the order of the audit chain follow from that alone. Reads take no lock and see one snapshot.
/// </summary>
/// <remarks>
/// The write transaction runs at READ COMMITTED on purpose: its first statement waits for the lock, and every
/// later statement then sees everything that earlier lock holders committed. Under REPEATABLE READ or SERIALIZABLE
/// the snapshot would be taken by that first statement, before the wait, and every writer that queued behind
/// another would fail its first update with a serialisation error. With all writers holding one lock the
/// transactions run one after another, which is serialisable by construction.
/// </remarks>
public sealed class PostgresStore : SqlStore
{
    /// <summary>The advisory lock every write transaction holds ("KADM" "WRIT"): one writer at a time, store-wide.</summary>
    public const long WriteLockKey = 0x4B41_444D_5752_4954;

    /// <summary>The advisory lock of schema migrations ("KADM" "MIGR"), so that two first uses do not both migrate.</summary>
    public const long MigrationLockKey = 0x4B41_444D_4D49_4752;

    /// <summary>How often a write that met a serialisation failure, a deadlock or a lost connection is run in all.</summary>
    public const int MaxAttempts = 5;

    /// <summary>Longer than any KeyAdmin write holds the lock, shorter than the command timeout.</summary>
    private const string LockTimeout = "20s";

    private readonly NpgsqlDataSource dataSource;

    private PostgresStore(NpgsqlDataSource dataSource, string location, SecretBox secrets, string kekDescription, bool readOnly)
        : base(secrets, new StoreDescription(PostgresDialect.Instance.Engine, location, kekDescription, PostgresSchema.CurrentVersion), readOnly)
    {
        this.dataSource = dataSource;
    }

    private string Location => Description.Location;

    /// <summary>Opens the store in the database <paramref name="connectionString"/> names, creating or migrating its schema on first use.</summary>
    public static PostgresStore Open(string connectionString, IKeyEncryptionKeySource kekSource, bool readOnly = false) =>
        Open(PostgresConnectionString.Parse(connectionString), kekSource, readOnly);

    /// <summary>
    /// Opens the store; with <paramref name="readOnly"/> only an existing store of the current schema, on sessions
    /// the server keeps read-only (<c>default_transaction_read_only</c>), so that nothing done with it writes. Without
    /// <paramref name="create"/> a database without KeyAdmin's schema is not given one (KeyAdminError.StoreNotFound).
    /// </summary>
    public static PostgresStore Open(PostgresConnectionString connection, IKeyEncryptionKeySource kekSource, bool readOnly = false, bool create = true)
    {
        var location = connection.Location;
        var settings = new NpgsqlConnectionStringBuilder(connection.Builder.ConnectionString)
        {
            // The store's tables live in their own schema; unqualified names in the SQL resolve there.
            SearchPath = PostgresSchema.Name,
        };
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "KeyAdmin";
        }

        // The store's statements are a fixed set: each is prepared on a physical connection the second time it runs
        // there and kept (Npgsql's automatic preparation), so a verifier's lookup is Bind/Execute, not a parse.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        if (readOnly)
        {
            settings.Options = ((settings.Options ?? string.Empty) + " -c default_transaction_read_only=on").Trim();
        }

        var dataSource = NpgsqlDataSource.Create(settings);
        byte[]? kek = null;
        try
        {
            var version = PostgresMigrator.Inspect(dataSource, location);
            if (version == 0 && (readOnly || !create))
            {
                throw new KeyAdminException(
                    KeyAdminError.StoreNotFound,
                    $"There is no KeyAdmin store in '{location}' (no {PostgresSchema.Name} schema), and only a command that changes something creates one: check the connection string, or create the store with Connect-KeyAdminStore -Create (or New-KeyAdminStoreAdministrator).",
                    location);
            }

            kek = kekSource.Load();
            if (kek is null)
            {
                // A database that records a fingerprint holds secrets sealed under a key that is not where we looked.
                if (readOnly || (version > 0 && ReadFingerprint(dataSource) is not null))
                {
                    throw new KeyAdminException(
                        KeyAdminError.KeyEncryptionKeyMissing,
                        $"The store '{location}' holds sealed secrets but its key-encryption key ({kekSource.Description}) is missing.",
                        kekSource.Description);
                }

                kek = kekSource.Create();
            }

            var secrets = new SecretBox(kek);
            if (version < PostgresSchema.CurrentVersion)
            {
                if (readOnly)
                {
                    secrets.Dispose();
                    throw new KeyAdminException(
                        KeyAdminError.StoreReadOnly,
                        $"The store '{location}' has schema version {version} and must be upgraded to {PostgresSchema.CurrentVersion} before it can be read; open it once to change it.",
                        location);
                }

                PostgresMigrator.Migrate(dataSource, location, StoreIntegrity.From(secrets));
            }

            var store = new PostgresStore(dataSource, location, secrets, kekSource.Description, readOnly);
            try
            {
                store.Attach(kekSource.Description);
                return store;
            }
            catch
            {
                secrets.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            dataSource.Dispose();
            throw PostgresFaults.Translate(e, location);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
        finally
        {
            if (kek is not null)
            {
                CryptographicOperations.ZeroMemory(kek);
            }
        }
    }

    /// <summary>
    /// Nothing to do: PostgreSQL keeps no file of its own that a checkpoint would clean. The old version of a
    /// deleted key's row, which still holds the sealed secret, is reclaimed by autovacuum; an explicit VACUUM
    /// cannot run inside the transaction of a pipeline's reader and needs the table owner's rights. The value was
    /// sealed under the key-encryption key anyway, which never enters the database.
    /// </summary>
    public override void PurgeDestroyed()
    {
    }

    public override void Dispose()
    {
        Secrets.Dispose();
        // Closes this store's pooled connections only: other sessions in the process may use other stores.
        dataSource.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction, again (up to <see cref="MaxAttempts"/> in all) when the
    /// transaction was rolled back by a serialisation failure, a deadlock or a lost connection before its commit
    /// was sent. Once the commit is sent nothing is retried: its outcome is then reported as unknown.
    /// </summary>
    private protected override T Run<T>(bool write, Func<StoreSession, T> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = OpenConnection();
            var commitSent = false;
            try
            {
                using (connection)
                {
                    using var transaction = connection.BeginTransaction(write ? IsolationLevel.ReadCommitted : IsolationLevel.RepeatableRead);
                    if (write)
                    {
                        TakeWriteLock(connection, transaction);
                    }

                    var result = InSession(Session(connection, transaction), write, work);
                    if (write)
                    {
                        commitSent = true;
                        transaction.Commit();
                    }

                    return result;
                }
            }
            catch (Exception e) when (!commitSent && attempt < MaxAttempts && PostgresFaults.IsRetryable(e))
            {
                Thread.Sleep(Backoff(attempt));
            }
            catch (NpgsqlException e) when (commitSent)
            {
                throw PostgresFaults.OutcomeUnknown(e, Location);
            }
            catch (NpgsqlException e)
            {
                throw PostgresFaults.Translate(e, Location);
            }
        }
    }

    private protected override ChangeWatch StartWatch(Action<IReadOnlyCollection<string>> onChanged, TimeSpan pollInterval) =>
        new PostgresChangeWatch(this, dataSource, onChanged);

    private protected override T RunStatement<T>(Func<StoreSession, T> statement)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var connection = OpenConnection();
                return statement(Session(connection, null));
            }
            catch (Exception e) when (attempt < MaxAttempts && PostgresFaults.IsRetryable(e))
            {
                Thread.Sleep(Backoff(attempt));
            }
            catch (NpgsqlException e)
            {
                throw PostgresFaults.Translate(e, Location);
            }
        }
    }

    /// <summary>Streams rows on a connection of their own; the query is retried like a read until its first row arrives.</summary>
    private protected override IEnumerable<T> Stream<T>(Func<StoreSession, IEnumerable<T>> query)
    {
        var (connection, transaction, rows, more) = StartStream(query);
        using (connection)
        using (transaction)
        using (rows)
        {
            while (more)
            {
                yield return rows.Current;
                more = Next(rows);
            }
        }
    }

    private (NpgsqlConnection, NpgsqlTransaction, IEnumerator<T>, bool) StartStream<T>(Func<StoreSession, IEnumerable<T>> query)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = OpenConnection();
            NpgsqlTransaction? transaction = null;
            IEnumerator<T>? rows = null;
            try
            {
                transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
                rows = query(Session(connection, transaction)).GetEnumerator();
                var more = rows.MoveNext();
                return (connection, transaction, rows, more);
            }
            catch (Exception e)
            {
                rows?.Dispose();
                transaction?.Dispose();
                connection.Dispose();
                if (attempt < MaxAttempts && PostgresFaults.IsRetryable(e))
                {
                    Thread.Sleep(Backoff(attempt));
                    continue;
                }

                if (e is NpgsqlException)
                {
                    throw PostgresFaults.Translate(e, Location);
                }

                throw;
            }
        }
    }

    private bool Next<T>(IEnumerator<T> rows)
    {
        try
        {
            return rows.MoveNext();
        }
        catch (NpgsqlException e)
        {
            throw PostgresFaults.Translate(e, Location);
        }
    }

    private StoreSession Session(NpgsqlConnection connection, NpgsqlTransaction? transaction) =>
        new(connection, transaction, new FreshCommands(connection), PostgresDialect.Instance, Integrity);

    /// <summary>Opens a pooled connection; a server that cannot be reached is refused at once, never retried.</summary>
    private NpgsqlConnection OpenConnection()
    {
        try
        {
            return dataSource.OpenConnection();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw PostgresFaults.Translate(e, Location);
        }
    }

    private static void TakeWriteLock(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand($"SET LOCAL lock_timeout = '{LockTimeout}'; SELECT pg_advisory_xact_lock(@key)", connection, transaction);
        command.Parameters.AddWithValue("key", WriteLockKey);
        command.ExecuteNonQuery();
    }

    /// <summary>Grows with each attempt and is jittered, so that two writers that failed together do not meet again.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds((10 << Math.Min(attempt, 6)) + Random.Shared.Next(0, 20));

    private static string? ReadFingerprint(NpgsqlDataSource dataSource)
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand($"SELECT value FROM {PostgresSchema.MetaTable} WHERE name = @name", connection);
        command.Parameters.AddWithValue("name", SqlStore.KekFingerprint);
        return command.ExecuteScalar() as string;
    }
}
