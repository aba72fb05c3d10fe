using System.Text;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// Whoever writes the database without the key-encryption key — a file taken and put back, a PostgreSQL DBA or
/// table owner — with raw SQL, one attack a test (docs/SECURITY.md names each). Triggers are dropped or disabled
/// first, as such an attacker would. Each attack is refused where the row is used (the verifier, the 2FA gate,
/// the commands), reported by compliance, and recorded in the audit log; attacks on the log itself are reported
/// by its check.
/// </summary>
public sealed class IntegrityAttackTests : IDisposable
{
    private const string Meta = StoreAttacker.Meta;
    private const string Caller = StoreAttacker.Caller;
    private readonly StoreAttacker attacker = new();

    private Harness h => attacker.Harness;

    private TestAccount desk => attacker.Account;

    private RequestVerifier verifier => attacker.Verifier;

    public void Dispose() => attacker.Dispose();

    [Fact]
    public void AuditForgery_ResealedOnOpen_StaysBrokenAfterTheStoreIsOpenedAgain()
    {
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        var records = h.Audit();
        var k = records.Single(r => r.Action == "ApiKey.Disable").Sequence;
        var before = records.Single(r => r.Sequence == k - 1);
        // The forgery of issue 12: cut the log from k, set the head to the bare hash of k-1, add altered records
        // without a hash, and let the next open seal them.
        attacker.Attack($"DELETE FROM audit_rows WHERE seq >= {k}; DELETE FROM audit WHERE seq >= {k}; " +
               $"UPDATE {Meta} SET value = '{before.Hash}' WHERE name = 'audit_head'; " +
               $"INSERT INTO audit (seq, at, actor, actor_host, action, outcome) VALUES ({k}, 0, 'tester', 'host', 'ApiKey.Update', 'Succeeded')");

        using (h.OpenStore())
        {
        }

        var report = h.Authority.Audit.Verify();
        Assert.False(report.IsIntact);
        Assert.Equal(k, report.FirstBrokenSequence);
        Assert.Contains("never sealed", report.Problem, StringComparison.Ordinal);
        Assert.Null(RawDb.Text(h.StorePath, $"SELECT hash FROM audit WHERE seq = {k}"));
    }

    [Fact]
    public void AuditForgery_UnsealedRecordAdded_IsReportedAndNothingIsAppendedAfterIt()
    {
        var administrator = h.StoreAdministratorSeed;
        var last = h.Audit().Last().Sequence;
        attacker.Attack($"INSERT INTO audit (seq, at, actor, actor_host, action, outcome) VALUES ({last + 1}, 0, 'mallory', 'host', 'Policy.Set', 'Succeeded')");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(last + 1, report.FirstBrokenSequence);
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Policy.Set(p => p with { MaxKeysPerAccount = 3 }, h.Proof(administrator)));
        Assert.Equal(5, h.Authority.Policy.Get().MaxKeysPerAccount);
    }

    [Fact]
    public void AuditForgery_HeadWithoutItsSeal_IsReportedAndRefusesWrites()
    {
        var head = RawDb.Text(h.StorePath, $"SELECT value FROM {Meta} WHERE name = 'audit_head'")!;
        attacker.Attack($"UPDATE {Meta} SET value = '{head[..head.LastIndexOf('|')]}|' WHERE name = 'audit_head'");

        Assert.False(h.Authority.Audit.Verify().IsIntact);
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Accounts.Create("ops", "ops@example.com"));
    }

    [Fact]
    public void AuditForgery_SequenceRenumbered_IsReportedAtTheFirstRenumberedRecord()
    {
        var last = h.Audit().Last().Sequence;
        // Leave a gap at 3: every record from 3 on moves up by one, the head with it.
        attacker.Attack($"UPDATE audit SET seq = seq + 1000 WHERE seq >= 3; UPDATE audit SET seq = seq - 999 WHERE seq >= 1000; " +
               $"UPDATE audit_rows SET seq = seq + 1 WHERE seq >= 3");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(4, report.FirstBrokenSequence);
        Assert.True(last >= 3);
    }

    [Fact]
    public void AuditRowIndex_EntryRemoved_IsReportedByTheChainCheck()
    {
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var created = h.Audit().Single(r => r.Action == "ApiKey.Create");
        attacker.Attack($"DELETE FROM audit_rows WHERE row_ref = 'api_keys:{key.KeyId}'");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(created.Sequence, report.FirstBrokenSequence);
        Assert.Contains("row index", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AuditRowIndex_StrayEntryAdded_IsReportedByTheChainCheck()
    {
        attacker.Attack("INSERT INTO audit_rows (row_ref, seq) VALUES ('api_keys:kak_madeup', 2)");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(2, report.FirstBrokenSequence);
    }

    [Fact]
    public void KeyEscalation_ALeakedDisabledReadKeyMadeAWithdrawKeyForAnyAddress_IsRefusedEverywhere()
    {
        var (key, secret) = attacker.NewKey("reader", ApiKeyPermission.Read, "198.51.100.1");
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        var all = (int)(ApiKeyPermission.Read | ApiKeyPermission.Trade | ApiKeyPermission.Transfer | ApiKeyPermission.Withdraw);
        attacker.Attack($"UPDATE api_keys SET status = 'Enabled', permissions = {all}, ip_binding = '0.0.0.0/0', disabled_at = NULL, disabled_reason = NULL WHERE key_id = '{key.KeyId}'");

        var result = verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw, "192.0.2.99"));

        Assert.Equal(VerificationReason.StoreTampered, result.Reason);
        AssertRefusedEverywhere(key.KeyId);
    }

    [Fact]
    public void KeyReEnabled_StatusColumnSetBackToEnabled_IsRefused()
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        attacker.Attack($"UPDATE api_keys SET status = 'Enabled' WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read, Caller)).Reason);
        AssertRefusedEverywhere(key.KeyId);
    }

    [Fact]
    public void KeyUnbound_BindingCleared_IsRefused()
    {
        var (key, secret) = attacker.NewKey("trader", ApiKeyPermission.Trade, "198.51.100.1");
        attacker.Attack($"UPDATE api_keys SET ip_binding = '' WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade, Caller)).Reason);
        AssertRefusedEverywhere(key.KeyId);
    }

    [Theory]
    [InlineData("key_versions = 7")]
    [InlineData("passphrase = NULL, key_versions = 0")]
    public void KeyPassphrase_VersionsWidenedOrPassphraseStrippedWithItsVersions_IsRefused(string change)
    {
        var issued = h.CreateKey(desk, "kucoin", r => r with { Permissions = ApiKeyPermission.Trade, Passphrase = Requests.Secure("Kc-Passphrase-1"), AllowUnboundSensitive = true });
        var secret = Encoding.ASCII.GetBytes(Harness.Reveal(issued.Secret));
        attacker.Attack($"UPDATE api_keys SET {change} WHERE key_id = '{issued.Key.KeyId}'");

        // Either way the key's seal no longer matches: a key version it never accepted, or KeyAdmin's scheme
        // without the passphrase, is refused as tampered rather than tried.
        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(issued.Key, secret, ApiKeyPermission.Trade, Caller)).Reason);
        AssertRefusedEverywhere(issued.Key.KeyId);
    }

    [Fact]
    public void KeyUnexpired_ExpiryRemoved_IsRefused()
    {
        var (key, secret) = attacker.NewKey("short-lived", ApiKeyPermission.Read, expiresInDays: 30);
        h.Clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(VerificationReason.Expired, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read, Caller)).Reason);
        attacker.Attack($"UPDATE api_keys SET expires_at = NULL WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read, Caller)).Reason);
        AssertRefusedEverywhere(key.KeyId);
    }

    [Fact]
    public void KeyReparented_MovedToAnotherAccount_IsRefused()
    {
        var ops = h.NewAccount("ops");
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        var opsId = h.AccountRecord(ops.Name).AccountId;
        attacker.Attack($"UPDATE api_keys SET account_id = '{opsId}' WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read, Caller)).Reason);
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.List("ops").ToList());
        AssertRefusedEverywhere(key.KeyId);
    }

    [Fact]
    public void KeyRolledBack_AnOlderValidCopyPutBackAfterDisable_IsRefusedAsSetBack()
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        attacker.DisableAndPutBackTheEnabledRow(key);

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade, Caller)).Reason);
        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get(key.KeyId));
        Assert.Contains("set back to an older version", e.Message, StringComparison.Ordinal);
        AssertRefusedEverywhere(key.KeyId);
    }

    [Fact]
    public void KeyRolledBack_WithItsRowIndexEntryRemovedToo_IsReportedByTheAuditCheck()
    {
        // The limit of a check at read time (docs/SECURITY.md): a row set back together with the index entry of its
        // later version passes there, and the chain check names the record whose index was cut.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var disabled = attacker.DisableAndPutBackTheEnabledRow(key);
        attacker.Attack($"DELETE FROM audit_rows WHERE row_ref = 'api_keys:{key.KeyId}' AND seq = {disabled}");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(disabled, report.FirstBrokenSequence);
    }

    [Fact]
    public void KeyNameIndex_SwappedBetweenTwoKeys_IsRefusedWhenLookedUpByName()
    {
        var a = attacker.NewKey("bot-a", ApiKeyPermission.Read).Key;
        var b = attacker.NewKey("bot-b", ApiKeyPermission.Read).Key;
        // An administrator disabling "bot-a" by name would disable bot-b.
        attacker.Attack($"UPDATE api_keys SET name_key = 'swap' WHERE key_id = '{a.KeyId}'; UPDATE api_keys SET name_key = 'bot-a' WHERE key_id = '{b.KeyId}'; " +
               $"UPDATE api_keys SET name_key = 'bot-b' WHERE key_id = '{a.KeyId}'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get("desk", "bot-a"));
    }

    [Fact]
    public void KeyForged_RowInsertedWithAMadeUpSeal_IsRefused()
    {
        var (real, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        var row = RawDb.Row(h.StorePath, "api_keys", $"key_id = '{real.KeyId}'");
        var forgedId = KeyTokens.NewKeyId();
        row["key_id"] = forgedId;
        row["name"] = "forged";
        row["name_key"] = "forged";
        row["permissions"] = (int)(ApiKeyPermission.Read | ApiKeyPermission.Withdraw);
        RawDb.PutBack(h.StorePath, "api_keys", row, $"key_id = '{forgedId}'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get(forgedId));
        // The copied secret is sealed under the real key's id: it opens for no other key.
        Assert.NotEqual(VerificationReason.Accepted, verifier.Verify(attacker.Sign(real with { KeyId = forgedId }, secret, ApiKeyPermission.Withdraw, Caller)).Reason);
    }

    [Fact]
    public void FactorRollback_StepSetBackToZero_DoesNotLetASpentCodeWorkAgain()
    {
        var code = h.Code(desk.Seed);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "first" }, TwoFactorProof.FromCode(code));
        attacker.Attack("UPDATE authenticators SET last_used_step = 0");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "second" }, TwoFactorProof.FromCode(code)));
        Assert.Equal(1, h.LiveKeyCount("desk"));
        Assert.Contains(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target!.StartsWith("authenticators:", StringComparison.Ordinal));
    }

    [Fact]
    public void FactorRollback_AnOlderValidCopyOfTheAuthenticatorPutBack_DoesNotLetASpentCodeWorkAgain()
    {
        var authenticatorId = h.Store.Read(r => r.ListAuthenticators(h.AccountRecord("desk").AccountId)).Single().AuthenticatorId;
        var before = RawDb.Row(h.StorePath, "authenticators", $"authenticator_id = '{authenticatorId}'");
        var code = h.Code(desk.Seed);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "first" }, TwoFactorProof.FromCode(code));
        RawDb.PutBack(h.StorePath, "authenticators", before, $"authenticator_id = '{authenticatorId}'");

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "second" }, TwoFactorProof.FromCode(code)));
        Assert.Contains("set back", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void LockoutCleared_CounterAndLockReset_DoesNotLiftTheLockout()
    {
        var deskId = h.AccountRecord("desk").AccountId;
        for (var i = 0; i < 5; i++)
        {
            Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(h.WrongCode(desk.Seed))));
        }

        Assert.True(h.AccountRecord("desk").IsLockedAt(h.Now));
        attacker.Attack("UPDATE accounts SET failed_codes = 0, locked_until = NULL");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(desk.Seed)));
        Assert.Equal(0, h.Store.Read(r => r.CountLiveKeys(deskId)));
    }

    [Fact]
    public void LockoutCleared_TheAccountRowFromBeforeTheLockoutPutBack_DoesNotLiftTheLockout()
    {
        var before = RawDb.Row(h.StorePath, "accounts", "name_key = 'desk'");
        for (var i = 0; i < 5; i++)
        {
            Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(h.WrongCode(desk.Seed))));
        }

        RawDb.PutBack(h.StorePath, "accounts", before, "name_key = 'desk'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(desk.Seed)));
    }

    [Fact]
    public void AuthenticatorMoved_ToAnotherAccount_CannotConfirmThatAccount()
    {
        h.Authority.Accounts.Create("ops", "ops@example.com");
        var opsId = h.AccountRecord("ops").AccountId;
        var deskId = h.AccountRecord("desk").AccountId;
        // desk's phone now "belongs" to ops, whose own enrolment was never confirmed.
        attacker.Attack($"DELETE FROM authenticators WHERE account_id = '{opsId}'; UPDATE authenticators SET account_id = '{opsId}' WHERE account_id = '{deskId}'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "ops", Name = "bot" }, h.Proof(desk.Seed)));
        Assert.Equal(0, h.Store.Read(r => r.CountLiveKeys(opsId)));
    }

    [Fact]
    public void PolicyWeakened_RowEdited_IsRefusedAndReported()
    {
        h.SetPolicy(p => p with { MaxFailedCodes = 3, LockoutDuration = TimeSpan.FromHours(1) });
        attacker.Attack("UPDATE policy SET max_failed_codes = 100, lockout_seconds = 60, max_keys = 1000");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Policy.Get());
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(desk.Seed)));
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.Message.Contains("policy", StringComparison.Ordinal));
    }

    [Fact]
    public void PolicyDeleted_TheDefaultsAreNotTakenInstead()
    {
        h.SetPolicy(p => p with { MaxFailedCodes = 3 });
        attacker.Attack("DELETE FROM policy");

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Policy.Get());
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccountLimitRaised_KeyLimitEdited_IsRefusedAndReported()
    {
        attacker.Attack("UPDATE accounts SET key_limit = 1000");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Accounts.List());
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.Severity == ComplianceSeverity.High);
    }

    [Fact]
    public void StoreIdSwapped_TheStoreRefusesToOpen()
    {
        attacker.Attack($"UPDATE {Meta} SET value = 'someone-elses-store' WHERE name = 'store_id'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.OpenStore());
    }

    [Fact]
    public void WholeStoreRolledBack_ChainIntactInItself_IsCaughtByThePinnedHead()
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var headThen = RawDb.Text(h.StorePath, $"SELECT value FROM {Meta} WHERE name = 'audit_head'")!;
        var sequenceThen = long.Parse(headThen.Split('|')[0], System.Globalization.CultureInfo.InvariantCulture);
        var keyThen = RawDb.Row(h.StorePath, "api_keys", $"key_id = '{key.KeyId}'");
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        var pinned = h.Authority.Audit.Verify().Head!;

        // Everything put back as it was before the disable: the log, its index, its head and the key's row.
#if POSTGRES
        attacker.DropKeyTriggers();
        RawDb.PutBack(h.StorePath, "api_keys", keyThen, $"key_id = '{key.KeyId}'");
#else
        attacker.WithoutKeyTriggers(() => RawDb.PutBack(h.StorePath, "api_keys", keyThen, $"key_id = '{key.KeyId}'"));
#endif
        attacker.Attack($"DELETE FROM audit WHERE seq > {sequenceThen}; DELETE FROM audit_rows WHERE seq > {sequenceThen}; UPDATE {Meta} SET value = '{headThen}' WHERE name = 'audit_head'");

        Assert.True(h.Authority.Audit.Verify().IsIntact, "a consistent rollback of the whole store is intact in itself");
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade, Caller)).Reason);
        var report = h.Authority.Audit.Verify(PinnedAuditHead.Parse(pinned));
        Assert.False(report.IsIntact);
        Assert.Contains("rolled back or replaced", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void PinnedHead_OfTheSameStore_StaysIntactAsTheLogGrows()
    {
        var pinned = h.Authority.Audit.Verify().Head!;
        attacker.NewKey("bot", ApiKeyPermission.Read);

        var report = h.Authority.Audit.Verify(PinnedAuditHead.Parse(pinned));

        Assert.True(report.IsIntact, report.Problem);
        Assert.NotEqual(pinned, report.Head);
        Refusal.Expect(KeyAdminError.InvalidAuditHead, () => PinnedAuditHead.Parse("12"));
    }

    [Fact]
    public void Detection_IsRecordedInTheAuditLogOnceByTheVerifier()
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        attacker.Attack($"UPDATE api_keys SET memo = 'changed' WHERE key_id = '{key.KeyId}'");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read, Caller)).Reason);
        }

        verifier.Flush();

        Assert.Single(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target == "api_keys:" + key.KeyId);
        Assert.True(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void DecisionSeal_ACachedKeyReEnabledInTheDatabase_IsRefusedAtItsNextRevalidation()
    {
        using var revalidating = RevalidatingVerifier();
        // A key the verifier already holds is revalidated by its decision fields alone (a third of the row): those are
        // sealed on their own, so setting them back is refused there as the whole row's seal would refuse it.
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason);
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        Assert.Equal(VerificationReason.Disabled, revalidating.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason);
        attacker.Attack($"UPDATE api_keys SET status = 'Enabled', permissions = 15, ip_binding = '0.0.0.0/0' WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw)).Reason);
    }

    [Fact]
    public void DecisionSeal_ACachedKeysAccountStopsRequiringWithdrawalCodes_IsRefusedAtItsNextRevalidation()
    {
        using var revalidating = RevalidatingVerifier();
        var (key, secret) = attacker.NewKey("withdrawer", ApiKeyPermission.Withdraw, "203.0.113.0/24");
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        Assert.Equal(VerificationReason.TwoFactorRequired, revalidating.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw)).Reason);
        attacker.Attack("UPDATE accounts SET require_withdrawal_code = " + (StoreAttacker.IsPostgres ? "FALSE" : "0"));

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw)).Reason);
    }

    [Fact]
    public void DecisionSeal_ACachedKeysMemoChanged_IsRefusedAtTheNextWholeCheck()
    {
        using var revalidating = RevalidatingVerifier();
        // Columns a verifier does not decide on are checked whole when a key enters the cache and every FullCheckAfter.
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(Fresh(key, secret)).Reason);
        attacker.Attack($"UPDATE api_keys SET memo = 'changed' WHERE key_id = '{key.KeyId}'");
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(Fresh(key, secret)).Reason);

        h.Clock.Advance(new VerifierOptions().FullCheckAfter);

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret)).Reason);
    }

    [Fact]
    public void DecisionSeal_TakenAway_TheKeyIsReadWholeAndStillChecked()
    {
        using var revalidating = RevalidatingVerifier();
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(Fresh(key, secret)).Reason);
        attacker.Attack($"UPDATE api_keys SET decision_mac = NULL WHERE key_id = '{key.KeyId}'");
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(Fresh(key, secret)).Reason);

        // Without its decision seal the row is read whole, whose seal still refuses any change.
        attacker.Attack($"UPDATE api_keys SET status = 'Disabled' WHERE key_id = '{key.KeyId}'");
        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret)).Reason);
    }

    [Fact]
    public void DecisionSeal_CopiedFromAnotherKey_DoesNotFit()
    {
        using var revalidating = RevalidatingVerifier();
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        var (other, _) = attacker.NewKey("other", ApiKeyPermission.Read);
        Assert.Equal(VerificationReason.Accepted, revalidating.Verify(Fresh(key, secret)).Reason);
        attacker.Attack($"UPDATE api_keys SET decision_mac = (SELECT decision_mac FROM api_keys WHERE key_id = '{other.KeyId}') WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, revalidating.Verify(Fresh(key, secret)).Reason);
    }

    /// <summary>
    /// A verifier that revalidates on every request and hears of no change: every lookup after the first is a
    /// revalidation (what the decision seal is for), however the change watch's timing falls.
    /// </summary>
    private RequestVerifier RevalidatingVerifier() =>
        new(h.Store, h.Clock, new VerifierOptions { RevalidateAfter = TimeSpan.Zero, WatchChanges = false, FlushInterval = TimeSpan.FromHours(1) });

    /// <summary>A new request (a later timestamp): the same one twice would be a replay.</summary>
    private SignedRequest Fresh(ApiKey key, byte[] secret)
    {
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        return attacker.Sign(key, secret, ApiKeyPermission.Read);
    }

    [Fact]
    public void BadSignature_OnATamperedKey_IsStillBadSignature()
    {
        // A caller without the secret learns nothing of the key's state, tampered or not.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Read);
        attacker.Attack($"UPDATE api_keys SET memo = 'changed' WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.BadSignature, verifier.Verify(attacker.Sign(key, new byte[43], ApiKeyPermission.Read, Caller)).Reason);
    }

    [Fact]
    public void Listing_WithOneTamperedKey_ReportsItWhereItStandsAndListsTheOthers()
    {
        var a = attacker.NewKey("bot-a", ApiKeyPermission.Read).Key;
        var b = attacker.NewKey("bot-b", ApiKeyPermission.Read).Key;
        attacker.Attack($"UPDATE api_keys SET memo = 'changed' WHERE key_id = '{a.KeyId}'");

        var rows = h.Authority.Keys.ListChecked("desk").ToList();

        Assert.Equal(2, rows.Count);
        Assert.Equal(KeyAdminError.StoreTampered, rows.Single(r => r.Value is null).Tampered!.Error);
        Assert.Equal(b.KeyId, rows.Single(r => r.Value is not null).Value!.KeyId);
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.KeyId == a.KeyId);
    }

    private void AssertRefusedEverywhere(string keyId)
    {
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get(keyId));
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Disable(keyId, "again"));
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Enable(keyId, h.Proof(desk.Seed)));
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.Severity == ComplianceSeverity.High && f.KeyId == keyId);
        Assert.Contains(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target == "api_keys:" + keyId);
    }
}
