using KeyAdmin.Core.Audit;

namespace KeyAdmin.Core.Authority;

/// <summary>Reads the audit log and proves its chain.</summary>
public sealed class AuditService
{
    private readonly Operations ops;

    internal AuditService(Operations ops) => this.ops = ops;

    public IEnumerable<AuditEntry> Read(AuditQuery query) => ops.Store.StreamAudit(query);

    /// <summary>Walks the whole log oldest first; intact, or the first broken record and what is wrong with it.</summary>
    public AuditChainReport Verify(Action<long>? progress = null)
    {
        // One snapshot for the head and the records: a record appended meanwhile is not mistaken for tampering.
        return ops.Store.Read(reader => ops.Store.AuditChain.Verify(reader.StreamAudit(new AuditQuery()), reader.ReadAuditHead(), progress));
    }
}
