using System.Collections.Concurrent;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// Whoever writes the database without the key-encryption key, against what the verifier reads between a key's whole
/// checks: the decision seal of a cached key and its account (StoreSession.FindKeyMaterial), and the change watch that
/// tells a verifier which rows were committed. Each test is named for its attack; docs/SECURITY.md names the line it proves.
/// </summary>
public sealed class VerifierReadPathRedTeamTests : IDisposable
{
    private readonly StoreAttacker attacker = new();

    private Harness h => attacker.Harness;

    private TestAccount desk => attacker.Account;

    public void Dispose() => attacker.Dispose();

    [Fact]
    public void DecisionSeal_ACachedKeysRowRolledBackWithItsDecisionSeal_IsRefusedAsSetBackAtItsNextRevalidation()
    {
        using var revalidating = RevalidatingVerifier();
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var enabled = RawDb.Row(h.StorePath, "api_keys", $"key_id = '{key.KeyId}'");
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        // The disable drops the key from the cache: this read is whole, and the key is held, disabled, until FullCheckAfter.
        Assert.Equal(VerificationReason.Disabled, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Trade)).Reason);

        // The enabled row, its decision seal with it, was valid once: the narrow read checks its version against the row index.
        attacker.DropKeyTriggers();
        RawDb.PutBack(h.StorePath, "api_keys", enabled, $"key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Trade)).Reason);
        revalidating.Flush();
        Assert.Contains(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target == "api_keys:" + key.KeyId &&
            r.Detail!.Contains("set back to an older version", StringComparison.Ordinal));
    }

    [Fact]
    public void DecisionSeal_ACachedKeysAccountRowRolledBackToBeforeWithdrawalCodes_IsRefusedAsSetBackAtItsNextRevalidation()
    {
        using var revalidating = RevalidatingVerifier();
        var (key, secret) = attacker.NewKey("withdrawer", ApiKeyPermission.Withdraw, "203.0.113.0/24");
        var before = RawDb.Row(h.StorePath, "accounts", "name_key = 'desk'");
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        Assert.Equal(VerificationReason.TwoFactorRequired, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);

        // The account's row from before, with its decision seal, valid for its own (older) version.
        RawDb.PutBack(h.StorePath, "accounts", before, "name_key = 'desk'");

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);
        revalidating.Flush();
        Assert.Contains(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target!.StartsWith("accounts:", StringComparison.Ordinal) &&
            r.Detail!.Contains("set back to an older version", StringComparison.Ordinal));
    }

    [Fact]
    public void DecisionSeal_ACachedKeyMovedToAnotherAccount_IsRefusedAtItsNextRevalidation()
    {
        using var revalidating = RevalidatingVerifier();
        // ops does not ask for withdrawal codes; desk does. Both accounts' rows and decision seals stay intact.
        var ops = h.NewAccount("ops");
        var (key, secret) = attacker.NewKey("withdrawer", ApiKeyPermission.Withdraw, "203.0.113.0/24");
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        Assert.Equal(VerificationReason.TwoFactorRequired, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);

        attacker.Attack($"UPDATE api_keys SET account_id = '{h.AccountRecord(ops.Name).AccountId}' WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);
    }

    [Fact]
    public void DecisionSeal_TakenAwayFromTheAccountOnly_TheRowsAreReadWholeAndStillChecked()
    {
        using var revalidating = RevalidatingVerifier();
        var (key, secret) = attacker.NewKey("withdrawer", ApiKeyPermission.Withdraw, "203.0.113.0/24");
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        Assert.Equal(VerificationReason.TwoFactorRequired, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);
        attacker.Attack("UPDATE accounts SET decision_mac = NULL");
        Assert.Equal(VerificationReason.TwoFactorRequired, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);

        // The key keeps its decision seal, the account has none: both rows are read whole, and the account's seal refuses this.
        attacker.Attack("UPDATE accounts SET require_withdrawal_code = " + (StoreAttacker.IsPostgres ? "FALSE" : "0"));

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret, ApiKeyPermission.Withdraw)).Reason);
    }

    [Fact]
    public void ChangeWatch_AStrayIndexEntryNumberedFarPastTheHead_DoesNotMakeItMissLaterCommits()
    {
        var (first, _) = attacker.NewKey("first", ApiKeyPermission.Read);
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Read);
        // An index entry no transaction wrote, numbered far past the sealed head: a watch that took it for where the
        // index ends, when it starts or when it reads the entry, would skip every commit numbered below it, for as long
        // as the verifier runs.
        attacker.Attack("INSERT INTO audit_rows (row_ref, seq) VALUES ('api_keys:stray', 4000000000000000000)");
        var heard = new ConcurrentQueue<string>();
        using var watch = h.Store.WatchChanges(rows => { foreach (var row in rows) heard.Enqueue(row); }, TimeSpan.FromMilliseconds(2));
        h.Authority.Keys.Disable(first.KeyId, "leaked");
        Assert.True(HeardWithin(heard, "api_keys:" + first.KeyId), "the first disable was not handed over");

        h.Authority.Keys.Disable(key.KeyId, "leaked");

        Assert.True(HeardWithin(heard, "api_keys:" + key.KeyId), "a disable committed after the stray entry was not handed over");
    }

#if !POSTGRES
    [Fact]
    public void ChangeWatch_AnIndexEntryWithoutARowReference_DoesNotStopIt()
    {
        // SQLite (PostgreSQL's primary key keeps row_ref NOT NULL): the index rebuilt without its constraints, and an
        // entry with no row reference added past the head. A watch that failed on reading it would read it again, and
        // fail, for as long as the verifier runs.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Read);
        var heard = new ConcurrentQueue<string>();
        using var watch = h.Store.WatchChanges(rows => { foreach (var row in rows) heard.Enqueue(row); }, TimeSpan.FromMilliseconds(2));
        attacker.Attack(
            "CREATE TABLE audit_rows_copy (row_ref TEXT, seq INTEGER); INSERT INTO audit_rows_copy SELECT row_ref, seq FROM audit_rows; " +
            "DROP TABLE audit_rows; ALTER TABLE audit_rows_copy RENAME TO audit_rows; CREATE INDEX ix_audit_rows_seq ON audit_rows (seq); " +
            "INSERT INTO audit_rows (row_ref, seq) VALUES (NULL, (SELECT max(seq) FROM audit_rows) + 1)");
        Thread.Sleep(TimeSpan.FromMilliseconds(100));

        h.Authority.Keys.Disable(key.KeyId, "leaked");

        Assert.True(HeardWithin(heard, "api_keys:" + key.KeyId), "a disable committed after the entry was not handed over");
    }
#endif

    private static bool HeardWithin(ConcurrentQueue<string> heard, string row)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < until)
        {
            if (heard.Contains(row))
            {
                return true;
            }

            Thread.Sleep(10);
        }

        return false;
    }

    /// <summary>A verifier that revalidates on every request and hears of no change from the watch: every lookup after a whole one reads the decision seal.</summary>
    private RequestVerifier RevalidatingVerifier() =>
        new(h.Store, h.Clock, new VerifierOptions { RevalidateAfter = TimeSpan.Zero, WatchChanges = false, FlushInterval = TimeSpan.FromHours(1) });

    /// <summary>A new request (a later timestamp): the same one twice would be a replay.</summary>
    private SignedRequest Fresh(ApiKey key, byte[] secret, ApiKeyPermission permission)
    {
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        return attacker.Sign(key, secret, permission);
    }
}
