using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// What every SQL engine's store shares: the key-encryption key and the MACs derived from it, the store's identity,
/// and the contract's calls expressed as transactions of a <see cref="StoreSession"/>. An engine supplies how a
/// transaction is opened, locked, retried and streamed, and how its files or server are cleaned.
/// </summary>
public abstract class SqlStore : IKeyAdminStore
{
    internal const string KekFingerprint = "kek_fingerprint";
    internal const string StoreIdName = "store_id";
    internal const string TamperAction = "Store.TamperDetected";
    internal const string CreateAction = "Store.Create";
    private readonly bool readOnly;

    private protected SqlStore(SecretBox secrets, StoreDescription description, bool readOnly)
    {
        Secrets = secrets;
        Integrity = StoreIntegrity.From(secrets);
        Description = description;
        this.readOnly = readOnly;
    }

    public StoreDescription Description { get; }

    public SecretBox Secrets { get; }

    public AuditChain AuditChain => Integrity.Chain;

    public string StoreId { get; private set; } = string.Empty;

    /// <summary>Opened to read only: the engine refuses every write, and opening wrote nothing either.</summary>
    public bool IsReadOnly => readOnly;

    internal StoreIntegrity Integrity { get; }

    public T Read<T>(Func<IStoreReader, T> work) => Run(write: false, work);

    public T ReadStatement<T>(Func<IStoreReader, T> statement) => RunStatement(statement);

    /// <summary>
    /// One write transaction. A row that fails its integrity check aborts it; the detection is then recorded in the
    /// audit log by a transaction of its own (when the log itself can still be written), and the refusal thrown.
    /// </summary>
    public T Write<T>(Func<IStoreWriter, T> work)
    {
        if (readOnly)
        {
            throw new KeyAdminException(KeyAdminError.StoreReadOnly, $"The store '{Description.Location}' was opened to read only; open it again to change it.", Description.Location);
        }

        try
        {
            return Run(write: true, work);
        }
        catch (KeyAdminException e) when (e.Error == KeyAdminError.StoreTampered)
        {
            RecordDetection(e, Actor.Current(), DateTimeOffset.UtcNow);
            throw;
        }
    }

    public IEnumerable<ApiKey> StreamKeys(KeyQuery query) => StreamCheckedKeys(query).Select(k => k.Require());

    /// <summary>
    /// The keys read on a thread of their own, a few hundred ahead (<see cref="ReadAhead"/>), and each decoded and
    /// checked on the caller's thread as it takes it: reading the rows and checking them take about as long, and
    /// side by side they cost the longer of the two, not their sum (docs/PERFORMANCE.md).
    /// </summary>
    public IEnumerable<Checked<ApiKey>> StreamCheckedKeys(KeyQuery query) =>
        ReadAhead.Of(Stream(session => session.StreamListedKeys(query)), static row => row.Check()).Where(key => StoreSession.Listed(key, query));

    public IEnumerable<AuditEntry> StreamAudit(AuditQuery? query = null) => Stream(session => session.StreamAudit(query ?? new AuditQuery()));

    public IDisposable WatchChanges(Action<IReadOnlyCollection<string>> onChanged, TimeSpan pollInterval) => StartWatch(onChanged, pollInterval).Start();

    /// <summary>A read of the row index for a change watch: one statement, outside any transaction.</summary>
    internal T ReadRowChanges<T>(Func<StoreSession, T> read) => RunStatement(read);

    private protected abstract ChangeWatch StartWatch(Action<IReadOnlyCollection<string>> onChanged, TimeSpan pollInterval);

    public abstract void PurgeDestroyed();

    public abstract void Dispose();

    /// <summary>
    /// Records that <paramref name="tampered"/> was found, in a write transaction of its own; nothing when the store
    /// is read-only or the log cannot be written (a broken head, say: the refusal stands on its own then).
    /// </summary>
    public void RecordDetection(KeyAdminException tampered, Actor actor, DateTimeOffset at, string? detail = null)
    {
        if (readOnly)
        {
            return;
        }

        try
        {
            Run(write: true, session =>
            {
                session.Append(new AuditEntry
                {
                    At = at,
                    Actor = actor.User,
                    ActorHost = actor.Host,
                    Action = TamperAction,
                    Target = tampered.Target as string,
                    Outcome = AuditOutcome.Refused,
                    Reason = KeyAdminError.StoreTampered.ToString(),
                    Detail = detail ?? tampered.Message,
                });
                return true;
            });
        }
        catch (KeyAdminException)
        {
        }
    }

    /// <summary>
    /// Records the fingerprint of the key-encryption key and the store's id in a store that has none yet (another
    /// process may have done it first: the caller looks inside the same write transaction), with an audit record.
    /// </summary>
    private string Initialise(StoreSession session)
    {
        // A store is new only when its log is empty too: one whose fingerprint row was deleted must not be initialised
        // again, sealing the store id (or anything else) it finds as if KeyAdmin had just written it.
        if (session.StreamAudit(new AuditQuery { Limit = 1 }).Any())
        {
            throw StoreSession.Tampered(Tables.Meta, KekFingerprint,
                "it is missing from a store whose audit log has records: the store is not new, and KeyAdmin does not initialise it again");
        }

        session.WriteMeta(KekFingerprint, Secrets.Fingerprint);
        var id = session.ReadMetaUnchecked(StoreIdName) ?? Guid.NewGuid().ToString("N");
        session.WriteMeta(StoreIdName, id);
        var actor = Actor.Current();
        session.Append(new AuditEntry
        {
            At = DateTimeOffset.UtcNow,
            Actor = actor.User,
            ActorHost = actor.Host,
            Action = CreateAction,
            Target = id,
            Outcome = AuditOutcome.Succeeded,
            Detail = $"Engine={Description.Engine}; SchemaVersion={Description.SchemaVersion}; KeyEncryptionKeyFingerprint={Secrets.Fingerprint}",
        });
        return Secrets.Fingerprint;
    }

    /// <summary>One transaction: a snapshot for reads; for writes, one that excludes every other writer.</summary>
    private protected abstract T Run<T>(bool write, Func<StoreSession, T> work);

    /// <summary>One statement on a pooled connection, outside any transaction (autocommit): <see cref="ReadStatement"/>.</summary>
    private protected abstract T RunStatement<T>(Func<StoreSession, T> statement);

    /// <summary>Streams inside one read transaction that lasts as long as the enumeration.</summary>
    private protected abstract IEnumerable<T> Stream<T>(Func<StoreSession, IEnumerable<T>> query);

    /// <summary>The work of one transaction in <paramref name="session"/>; a write's records are sealed before the engine commits.</summary>
    private protected static T InSession<T>(StoreSession session, bool write, Func<StoreSession, T> work)
    {
        var result = work(session);
        if (write)
        {
            session.Complete();
        }

        return result;
    }

    /// <summary>
    /// Binds the open store to its key-encryption key: the key must be the one the store's secrets were sealed with
    /// (its fingerprint is recorded with the store), and the store's id is read. Only a store that records no
    /// fingerprint yet (a new one) is written to, with an audit record that says so.
    /// </summary>
    private protected void Attach(string kekDescription)
    {
        var recorded = Run(write: false, session => session.ReadMetaUnchecked(KekFingerprint));
        if (recorded is null)
        {
            if (readOnly)
            {
                throw new KeyAdminException(KeyAdminError.StoreCorrupt, $"The store '{Description.Location}' was never initialised; it cannot be opened to read only.", Description.Location);
            }

            recorded = Run(write: true, session => session.ReadMetaUnchecked(KekFingerprint) ?? Initialise(session));
        }

        if (!string.Equals(recorded, Secrets.Fingerprint, StringComparison.Ordinal))
        {
            throw new KeyAdminException(
                KeyAdminError.KeyEncryptionKeyMismatch,
                $"The key-encryption key ({kekDescription}) is not the one this store's secrets were sealed with.",
                kekDescription);
        }

        StoreId = Run(write: false, session =>
        {
            if (session.ScanSchema().FirstOrDefault() is { } unfaithful)
            {
                throw StoreSession.Tampered(unfaithful.Table, unfaithful.RowId, unfaithful.Problem);
            }

            session.ReadMeta(KekFingerprint);
            return session.ReadMeta(StoreIdName)
                ?? throw new KeyAdminException(KeyAdminError.StoreCorrupt, $"The store '{Description.Location}' records no store id.", Description.Location);
        });
    }
}
