using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// The store contract every engine (SQLite now, PostgreSQL for teams) fulfils with the same behaviour:
/// serialisable write transactions in which a change and its audit record commit together or not at all.
/// </summary>
public interface IKeyAdminStore : IDisposable
{
    StoreDescription Description { get; }

    /// <summary>A stable id of this store, created with it: vault metadata names it so entries can be traced back.</summary>
    string StoreId { get; }

    /// <summary>Seals and opens secrets under the key-encryption key the store was opened with.</summary>
    SecretBox Secrets { get; }

    T Read<T>(Func<IStoreReader, T> work);

    /// <summary>
    /// A read of exactly one statement (a verifier's key lookup): the engine runs it without a transaction around it,
    /// since one statement reads one snapshot; on a server that is one round trip instead of three.
    /// </summary>
    T ReadStatement<T>(Func<IStoreReader, T> statement);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction that excludes every other writer, in this process
    /// and others. An exception rolls everything back. An engine may run <paramref name="work"/> again after a
    /// serialisation failure, so it must touch nothing but the transaction.
    /// </summary>
    T Write<T>(Func<IStoreWriter, T> work);

    /// <summary>
    /// Streams keys without holding them all in memory; the enumeration reads a consistent snapshot. A key whose
    /// row fails its integrity check ends the stream with StoreTampered.
    /// </summary>
    IEnumerable<ApiKey> StreamKeys(KeyQuery query);

    /// <summary>Streams keys as <see cref="StreamKeys"/> does, with a key that fails its integrity check as its refusal, in place.</summary>
    IEnumerable<Checked<ApiKey>> StreamCheckedKeys(KeyQuery query);

    /// <summary>
    /// Removes what the engine keeps of destroyed secret material outside the live rows (SQLite's write-ahead
    /// log); called after a key is deleted.
    /// </summary>
    void PurgeDestroyed();

    /// <summary>
    /// Calls <paramref name="onChanged"/> (on a thread of its own) with the references of the rows ("api_keys:kak_…",
    /// "accounts:…") that transactions of any process commit from now on, soon after each commit: PostgreSQL sends
    /// a notification with the commit; SQLite's change counter is looked at every <paramref name="pollInterval"/>.
    /// A verifier drops those keys from its cache; nothing is read per request. Dispose to stop.
    /// </summary>
    IDisposable WatchChanges(Action<IReadOnlyCollection<string>> onChanged, TimeSpan pollInterval);

    /// <summary>Streams audit records that match <paramref name="query"/> (all, oldest first, by default).</summary>
    IEnumerable<AuditEntry> StreamAudit(AuditQuery? query = null);

    /// <summary>The chain that seals this store's audit records (keyed from the key-encryption key).</summary>
    AuditChain AuditChain { get; }

    /// <summary>
    /// Records in the audit log, in a transaction of its own, that a row failed its integrity check; does nothing
    /// on a store opened to read only, or when the log itself cannot be written.
    /// </summary>
    void RecordDetection(Errors.KeyAdminException tampered, Actor actor, DateTimeOffset at, string? detail = null);
}

/// <summary>What a user is told about the store in use.</summary>
public sealed record StoreDescription(string Engine, string Location, string KeyEncryptionKey, int SchemaVersion);

/// <summary>Filters that engines apply in their query; name wildcards are matched by the caller.</summary>
public sealed record KeyQuery
{
    public string? AccountId { get; init; }

    public string? KeyId { get; init; }

    public bool IncludeDeleted { get; init; }
}
