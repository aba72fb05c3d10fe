using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>
/// The same store as seen from another process: every call goes to it, but under another location, so that this
/// process's KeyChangeSignal (which names the store by its location) does not reach a verifier over it.
/// </summary>
public sealed class ElsewhereStore(IKeyAdminStore store) : IKeyAdminStore
{
    public StoreDescription Description { get; } = store.Description with { Location = store.Description.Location + "#another-process" };

    public string StoreId => store.StoreId;

    public SecretBox Secrets => store.Secrets;

    public AuditChain AuditChain => store.AuditChain;

    public T Read<T>(Func<IStoreReader, T> work) => store.Read(work);

    public T ReadStatement<T>(Func<IStoreReader, T> statement) => store.ReadStatement(statement);

    public T Write<T>(Func<IStoreWriter, T> work) => store.Write(work);

    public IEnumerable<ApiKey> StreamKeys(KeyQuery query) => store.StreamKeys(query);

    public IEnumerable<Checked<ApiKey>> StreamCheckedKeys(KeyQuery query) => store.StreamCheckedKeys(query);

    public void PurgeDestroyed() => store.PurgeDestroyed();

    public IDisposable WatchChanges(Action<IReadOnlyCollection<string>> onChanged, TimeSpan pollInterval) => store.WatchChanges(onChanged, pollInterval);

    public IEnumerable<AuditEntry> StreamAudit(AuditQuery? query = null) => store.StreamAudit(query);

    public void RecordDetection(Errors.KeyAdminException tampered, Actor actor, DateTimeOffset at, string? detail = null) => store.RecordDetection(tampered, actor, at, detail);

    public void Dispose()
    {
        // The harness disposes the store itself.
    }
}
