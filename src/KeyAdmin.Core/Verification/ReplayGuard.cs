using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.Verification;

/// <summary>What remembering an accepted request's signature found.</summary>
public enum ReplayOutcome
{
    Recorded,
    Replayed,
    ShareExhausted,
}

/// <summary>
/// Remembers the signatures of accepted replay-protected requests in the store, for as long as their timestamp is
/// inside the window, so that a captured request cannot be sent again to this verifier or any other of the store
/// (another service instance, Test-ApiKey in another session). An unexpired entry is never forgotten: a key that
/// holds its share of entries has its own further requests refused until some expire, and no other key's flood
/// can make room to replay a victim's request.
/// </summary>
internal sealed class ReplayGuard
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);
    private readonly IKeyAdminStore store;
    private readonly int share;
    private long lastSweepMs;

    public ReplayGuard(IKeyAdminStore store, int share)
    {
        this.store = store;
        this.share = share;
    }

    public ReplayOutcome TryRecord(string keyId, ReadOnlySpan<byte> signature, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref lastSweepMs);
        // Every key's own expired entries go with its next request; the entries of keys that went quiet go with
        // a sweep of the whole table, at most every ten seconds, in the transaction of some request.
        var sweep = nowMs - last >= SweepEvery.TotalMilliseconds && Interlocked.CompareExchange(ref lastSweepMs, nowMs, last) == last;
        var copy = signature.ToArray();
        return store.Write(tx =>
        {
            if (sweep)
            {
                tx.ForgetExpiredRequests(now);
            }

            return tx.RecordRequest(keyId, copy, expiresAt, now, share);
        });
    }
}
