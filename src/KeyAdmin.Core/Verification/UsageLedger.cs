using System.Collections.Concurrent;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// Last use of accepted requests and counts of refused ones, gathered in memory and written in one transaction
/// every flush interval: a busy key costs one row update per interval, not one durable write per request.
/// </summary>
/// <remarks>
/// What an anonymous caller can make it hold is bounded: refusals of keys that do not exist are counted in one
/// bucket per reason (<see cref="UnknownKeyBucket"/>), whatever key id was sent, and there are at most
/// <c>capacity</c> counters; past that, the refusals of further keys share <see cref="OverflowBucket"/>. So a flood
/// of made-up ids costs one counter, and one audit record, per reason and flush.
/// </remarks>
internal sealed class UsageLedger : IDisposable
{
    public const string UnknownKeyBucket = "(unknown key)";
    public const string OverflowBucket = "(other keys)";
    private readonly IKeyAdminStore store;
    private readonly int capacity;
    private readonly Audit.Actor actor;
    private readonly Timer timer;
    private readonly object flushGate = new();
    private ConcurrentDictionary<string, KeyUsage> lastUse = new(StringComparer.Ordinal);
    private ConcurrentDictionary<(string KeyId, VerificationReason Reason), RefusalCount> refusals = new();
    private int counters;
    private ConcurrentDictionary<string, (Errors.KeyAdminException Tampered, DateTimeOffset At)> tampered = new(StringComparer.Ordinal);

    public UsageLedger(IKeyAdminStore store, TimeSpan interval, int capacity, Audit.Actor actor)
    {
        this.store = store;
        this.capacity = capacity;
        this.actor = actor;
        timer = new Timer(_ => TryFlush(), null, interval, interval);
    }

    /// <summary>
    /// Notes an accepted request. Called on every one: a busy key's requests mostly land in a millisecond already
    /// noted (the store keeps last use to the millisecond), and those cost a lookup and nothing else: no note, no
    /// address text, no write to the entry that every thread serving the key would otherwise queue on.
    /// </summary>
    public void Accepted(string keyId, DateTimeOffset at, System.Net.IPAddress address)
    {
        var current = lastUse;
        if (current.TryGetValue(keyId, out var noted) && noted.At.ToUnixTimeMilliseconds() >= at.ToUnixTimeMilliseconds())
        {
            return;
        }

        Note(current, new KeyUsage(keyId, at, address.ToString()));
    }

    private static void Note(ConcurrentDictionary<string, KeyUsage> into, KeyUsage use) =>
        into.AddOrUpdate(use.KeyId, static (_, use) => use, static (_, old, use) => old.At >= use.At ? old : use, use);

    /// <summary>Counts a refusal against <paramref name="keyId"/>, an existing key's id, or against the unknown-key bucket when null.</summary>
    public void Refused(string? keyId, VerificationReason reason, DateTimeOffset at)
    {
        var current = refusals;
        var counter = (KeyId: keyId ?? UnknownKeyBucket, Reason: reason);
        // The count is kept apart: ConcurrentDictionary.Count takes every lock, which a flood must not make us do.
        if (!current.ContainsKey(counter) && Volatile.Read(ref counters) >= capacity)
        {
            counter = (OverflowBucket, reason);
        }

        if (current.TryAdd(counter, new RefusalCount(counter.KeyId, reason.ToString(), 1, at)))
        {
            Interlocked.Increment(ref counters);
            return;
        }

        current.AddOrUpdate(counter, k => new RefusalCount(k.KeyId, k.Reason.ToString(), 1, at), (_, old) => old with { Count = old.Count + 1, LastAt = at });
    }

    /// <summary>Notes a row that failed its integrity check; the detection is audited once per row and flush.</summary>
    public void Tampered(Errors.KeyAdminException detection, DateTimeOffset at)
    {
        if (tampered.Count < 1024)
        {
            tampered[detection.Target as string ?? "(row)"] = (detection, at);
        }
    }

    /// <summary>Writes what has gathered; on failure it is kept for the next flush.</summary>
    public void Flush()
    {
        lock (flushGate)
        {
            var usage = Interlocked.Exchange(ref lastUse, new(StringComparer.Ordinal));
            var refused = Interlocked.Exchange(ref refusals, new());
            Interlocked.Exchange(ref counters, 0);
            var detections = Interlocked.Exchange(ref tampered, new(StringComparer.Ordinal));
            if (usage.IsEmpty && refused.IsEmpty && detections.IsEmpty)
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

                    foreach (var (detection, at) in detections.Values)
                    {
                        tx.Append(new Audit.AuditEntry
                        {
                            At = at,
                            Actor = actor.User,
                            ActorHost = actor.Host,
                            Action = Storage.Sql.SqlStore.TamperAction,
                            Target = detection.Target as string,
                            Outcome = Audit.AuditOutcome.Refused,
                            Reason = Errors.KeyAdminError.StoreTampered.ToString(),
                            Detail = detection.Message,
                        });
                    }

                    return true;
                });
            }
            catch
            {
                foreach (var item in usage.Values)
                {
                    Note(lastUse, item);
                }

                foreach (var item in refused.Values)
                {
                    refusals.AddOrUpdate((item.KeyId, Enum.Parse<VerificationReason>(item.Reason)), item, (_, old) => old with { Count = old.Count + item.Count });
                }

                foreach (var item in detections.Values)
                {
                    Tampered(item.Tampered, item.At);
                }

                Interlocked.Exchange(ref counters, refusals.Count);

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
        ApiKey? key = null;
        try
        {
            key = KeyTokens.IsWellFormedKeyId(refusal.KeyId) ? reader.FindKey(refusal.KeyId) : null;
        }
        catch (Errors.KeyAdminException e) when (e.Error == Errors.KeyAdminError.StoreTampered)
        {
            // Named by its id only: the account its row names cannot be trusted.
        }

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
