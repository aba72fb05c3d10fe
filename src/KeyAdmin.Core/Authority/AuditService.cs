using KeyAdmin.Core.Audit;

namespace KeyAdmin.Core.Authority;

/// <summary>Reads the audit log and proves its chain.</summary>
public sealed class AuditService
{
    private readonly Operations ops;

    internal AuditService(Operations ops) => this.ops = ops;

    public IEnumerable<AuditEntry> Read(AuditQuery query) => ops.Store.StreamAudit(query);

    /// <summary>
    /// Walks the whole log oldest first with its row index; intact, or the first broken record and what is wrong
    /// with it. With <paramref name="expected"/>, a head pinned earlier must still be part of the chain.
    /// </summary>
    public AuditChainReport Verify(PinnedAuditHead? expected = null, Action<long>? progress = null)
    {
        // One snapshot for the head, the index and the records: a record appended meanwhile is not mistaken for tampering.
        return ops.Store.Read(reader =>
        {
            var check = new AuditCheck
            {
                Expected = expected,
                StrayIndexEntry = reader.FirstStrayIndexEntry(),
                Unfaithful = reader.ScanSchema().Select(t => $"{t.RowId}: {t.Problem}").FirstOrDefault(),
            };
            var head = reader.ReadAuditHead();
            return ops.Store.AuditChain.Verify(reader.StreamAuditWithIndex(), head, check, progress);
        });
    }
}
