using System.Collections.Concurrent;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// Last use of accepted requests and counts of refused ones, gathered in memory and written in one transaction
/// every flush interval: a busy key costs one row update per interval, not one durable write per request.
/// </summary>
internal sealed class UsageLedger : IDisposable
{
    private readonly IKeyAdminStore store;
    private readonly Audit.Actor actor;
    private readonly Timer timer;
    private readonly object flushGate = new();
    private ConcurrentDictionary<string, KeyUsage> lastUse = new(StringComparer.Ordinal);
    private ConcurrentDictionary<(string KeyId, VerificationReason Reason), RefusalCount> refusals = new();

    public UsageLedger(IKeyAdminStore store, TimeSpan interval, Audit.Actor actor)
    {
        this.store = store;
        this.actor = actor;
        timer = new Timer(_ => TryFlush(), null, interval, interval);
    }

    public void Accepted(string keyId, DateTimeOffset at, string address) =>
        lastUse.AddOrUpdate(keyId, _ => new KeyUsage(keyId, at, address), (_, old) => old.At >= at ? old : new KeyUsage(keyId, at, address));

    public void Refused(string keyId, VerificationReason reason, DateTimeOffset at) =>
        refusals.AddOrUpdate((keyId, reason), k => new RefusalCount(k.KeyId, k.Reason.ToString(), 1, at), (_, old) => old with { Count = old.Count + 1, LastAt = at });

    /// <summary>Writes what has gathered; on failure it is kept for the next flush.</summary>
    public void Flush()
    {
        lock (flushGate)
        {
            var usage = Interlocked.Exchange(ref lastUse, new(StringComparer.Ordinal));
            var refused = Interlocked.Exchange(ref refusals, new());
            if (usage.IsEmpty && refused.IsEmpty)
            {
                return;
            }

            try
            {
                store.Write(tx =>
                {
                    tx.RecordUsage(usage.Values.ToList());
                    tx.AddRefusals(refused.Values.ToList());
                    foreach (var refusal in refused.Values)
                    {
                        tx.Append(RefusalRecord(tx, refusal));
                    }

                    return true;
                });
            }
            catch
            {
                foreach (var item in usage.Values)
                {
                    Accepted(item.KeyId, item.At, item.Address);
                }

                foreach (var item in refused.Values)
                {
                    refusals.AddOrUpdate((item.KeyId, Enum.Parse<VerificationReason>(item.Reason)), item, (_, old) => old with { Count = old.Count + item.Count });
                }

                throw;
            }
        }
    }

    public void Dispose()
    {
        timer.Dispose();
        TryFlush();
    }

    /// <summary>One audit record per key and reason per flush: a flood of refusals costs one row, not one per request.</summary>
    private Audit.AuditEntry RefusalRecord(IStoreReader reader, RefusalCount refusal)
    {
        var key = KeyTokens.IsWellFormedKeyId(refusal.KeyId) ? reader.FindKey(refusal.KeyId) : null;
        return new Audit.AuditEntry
        {
            At = refusal.LastAt,
            Actor = actor.User,
            ActorHost = actor.Host,
            Action = "Verification.Refused",
            AccountName = key?.AccountName,
            AccountId = key?.AccountId,
            KeyId = key?.KeyId,
            Target = refusal.KeyId.Length > 64 ? refusal.KeyId[..64] : refusal.KeyId,
            Outcome = Audit.AuditOutcome.Refused,
            Reason = refusal.Reason,
            Detail = $"Count={refusal.Count}",
        };
    }

    private void TryFlush()
    {
        try
        {
            Flush();
        }
        catch (Errors.KeyAdminException)
        {
            // The store is busy or gone; what gathered stays for the next flush.
        }
    }
}
