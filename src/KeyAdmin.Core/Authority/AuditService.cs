using KeyAdmin.Core.Audit;

namespace KeyAdmin.Core.Authority;

/// <summary>Reads the audit log and proves its chain.</summary>
public sealed class AuditService
{
    private readonly Operations ops;

    internal AuditService(Operations ops) => this.ops = ops;

    /// <summary>
    /// Streams records. A query for an existing account reads that account's records only, by its id; a name that no
    /// account has now reads every record that carries it (a removed account's history, each record with its id).
    /// </summary>
    public IEnumerable<AuditEntry> Read(AuditQuery query)
    {
        if (query.Account is not null && query.AccountId is null &&
            ops.Store.Read(r => r.FindAccount(query.Account)) is { } account)
        {
            query = query with { AccountId = account.AccountId, AccountCreatedAt = account.CreatedAt };
        }

        return ops.Store.StreamAudit(query);
    }

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
                UnfaithfulIndex = reader.ScanStorage().Select(t => t.Problem).FirstOrDefault(),
            };
            var head = reader.ReadAuditHead();
            return ops.Store.AuditChain.Verify(reader.StreamAuditWithIndex(), head, check, progress);
        });
    }
}
