using KeyAdmin.Core.Verification;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// The replay memory every verifier of the store shares: the signatures of accepted replay-protected requests,
/// each until its timestamp leaves the window. Runs inside the store's write transaction, so a request accepted
/// by one process is a replay in every other, and an entry goes only when it has expired.
/// </summary>
internal sealed partial class StoreSession
{
    public ReplayOutcome RecordRequest(string keyId, byte[] signature, DateTimeOffset expiresAt, DateTimeOffset now, int share)
    {
        Execute("DELETE FROM replay_guard WHERE key_id = @id AND expires_at <= @now", ("id", keyId), ("now", Time(now)));
        if (QuerySingle("SELECT 1 FROM replay_guard WHERE signature = @signature", r => true, ("signature", signature)))
        {
            return ReplayOutcome.Replayed;
        }

        if (QuerySingle("SELECT count(*) FROM replay_guard WHERE key_id = @id", r => r.GetInt64(0), ("id", keyId)) >= share)
        {
            return ReplayOutcome.ShareExhausted;
        }

        Execute(
            "INSERT INTO replay_guard (signature, key_id, expires_at) VALUES (@signature, @id, @expires)",
            ("signature", signature),
            ("id", keyId),
            ("expires", Time(expiresAt)));
        return ReplayOutcome.Recorded;
    }

    public int ForgetExpiredRequests(DateTimeOffset now) =>
        Execute("DELETE FROM replay_guard WHERE expires_at <= @now", ("now", Time(now)));
}
