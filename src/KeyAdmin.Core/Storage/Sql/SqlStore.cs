using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// What every SQL engine's store shares: the key-encryption key and the chain derived from it, the store's
/// identity, and the contract's calls expressed as transactions of a <see cref="StoreSession"/>. An engine
/// supplies how a transaction is opened, locked, retried and streamed, and how its files or server are cleaned.
/// </summary>
public abstract class SqlStore : IKeyAdminStore
{
    internal const string KekFingerprint = "kek_fingerprint";
    private const string StoreIdName = "store_id";

    private protected SqlStore(SecretBox secrets, StoreDescription description)
    {
        Secrets = secrets;
        AuditChain = new AuditChain(secrets.DeriveKey("audit chain v1"));
        Description = description;
    }

    public StoreDescription Description { get; }

    public SecretBox Secrets { get; }

    public AuditChain AuditChain { get; }

    public string StoreId { get; private set; } = string.Empty;

    public T Read<T>(Func<IStoreReader, T> work) => Run(write: false, work);

    public T Write<T>(Func<IStoreWriter, T> work) => Run(write: true, work);

    public IEnumerable<ApiKey> StreamKeys(KeyQuery query) => Stream(session => session.StreamKeys(query));

    public IEnumerable<AuditEntry> StreamAudit(AuditQuery? query = null) => Stream(session => session.StreamAudit(query ?? new AuditQuery()));

    public abstract void PurgeDestroyed();

    public abstract void Dispose();

    /// <summary>One transaction: a snapshot for reads; for writes, one that excludes every other writer.</summary>
    private protected abstract T Run<T>(bool write, Func<StoreSession, T> work);

    /// <summary>Streams inside one read transaction that lasts as long as the enumeration.</summary>
    private protected abstract IEnumerable<T> Stream<T>(Func<StoreSession, IEnumerable<T>> query);

    /// <summary>
    /// Binds the open store to its key-encryption key: the key must be the one the store's secrets were sealed with
    /// (its fingerprint is recorded by the first open), and the store's id is read (or created with the store).
    /// </summary>
    private protected void Attach(string kekDescription)
    {
        var recorded = Run(write: true, session => session.ClaimMeta(KekFingerprint, Secrets.Fingerprint));
        if (!string.Equals(recorded, Secrets.Fingerprint, StringComparison.Ordinal))
        {
            throw new KeyAdminException(
                KeyAdminError.KeyEncryptionKeyMismatch,
                $"The key-encryption key ({kekDescription}) is not the one this store's secrets were sealed with.",
                kekDescription);
        }

        StoreId = Run(write: true, session =>
        {
            session.SealUnchainedAudit();
            return session.ClaimMeta(StoreIdName, Guid.NewGuid().ToString("N"));
        });
    }
}
