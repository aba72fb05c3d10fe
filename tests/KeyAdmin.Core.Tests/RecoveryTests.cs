using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// Replacing a lost authenticator without handing the account to whoever asks: one-time recovery codes that reset
/// at once, or a cooling-off that the replaced authenticator can cancel, with automation suspended either way.
/// </summary>
public sealed class RecoveryTests : IDisposable
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public RecoveryTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    private static NewKeyRequest Key(string name, ApiKeyPermission permissions = ApiKeyPermission.Read) =>
        new() { Account = "desk", Name = name, Permissions = permissions, IpAddresses = new[] { "203.0.113.7" } };

    [Fact]
    public void Create_IssuesTenRecoveryCodes_StoredOnlyAsKeyedHashes()
    {
        Assert.Equal(10, desk.RecoveryCodes.Count);
        Assert.Equal(10, desk.RecoveryCodes.Distinct().Count());
        Assert.Equal(10, h.Authority.Accounts.List().Single().RecoveryCodesLeft);
        var rows = RawDb.Dump(h.StorePath, "recovery_codes");
        foreach (var code in desk.RecoveryCodes)
        {
            Assert.DoesNotContain(code, rows, StringComparison.Ordinal);
            Assert.DoesNotContain(code.Replace("-", string.Empty, StringComparison.Ordinal), rows, StringComparison.Ordinal);
        }

        var hashes = h.Store.Read(r => r.ListRecoveryCodes(h.AccountRecord("desk").AccountId));
        Assert.All(hashes, c => Assert.Matches("^[0-9a-f]{64}$", c.Hash));
    }

    [Fact]
    public void Reset_WithoutARecoveryCode_StartsACoolingOffOfThePolicysLength_AndKeepsTheOldAuthenticatorToCancel()
    {
        var enrollment = h.Authority.Authenticators.Reset("desk", "phone lost");

        Assert.Equal(h.Now + Day, enrollment.CoolingOffUntil);
        var account = h.AccountRecord("desk");
        Assert.Equal((h.Now, h.Now + Day), (account.RecoveryStartedAt, account.RecoveryUntil));
        var statuses = h.Authority.Authenticators.List("desk").Select(a => a.Status).ToList();
        Assert.Equal(new[] { AuthenticatorStatus.Replaced, AuthenticatorStatus.Pending }, statuses);
        var reset = h.Audit().Single(a => a.Action == "Authenticator.Reset");
        Assert.Contains($"CoolingOffUntil={h.Now + Day:u}", reset.Detail, StringComparison.Ordinal);
        Assert.Equal(10, h.Authority.Accounts.List().Single().RecoveryCodesLeft);
    }

    [Fact]
    public void CoolingOff_FollowsThePolicysRecoveryCoolingOff()
    {
        h.SetPolicy(p => p with { RecoveryCoolingOff = TimeSpan.FromHours(2) });

        var enrollment = h.Authority.Authenticators.Reset("desk", "phone lost");

        Assert.Equal(h.Now + TimeSpan.FromHours(2), enrollment.CoolingOffUntil);
        Refusal.Expect(KeyAdminError.InvalidPolicy, () => h.Authority.Policy.Set(p => p with { RecoveryCoolingOff = TimeSpan.FromMinutes(59) }, h.Proof(h.StoreAdministratorSeed)));
    }

    [Fact]
    public void CoolingOff_LetsTheNewAuthenticatorCreateReadOnlyKeys_AndNeedsNoCodeToDisable()
    {
        var trading = h.CreateKey(desk, "trading", r => r with { Permissions = ApiKeyPermission.Trade, IpAddresses = new[] { "203.0.113.7" } }).Key;
        var renewed = h.TakeOverByReset(desk);

        var reader = h.Authority.Keys.Create(Key("reader"), h.Proof(renewed));
        h.Authority.Keys.Disable(trading.KeyId, "leak drill");

        Assert.Equal(ApiKeyPermission.Read, reader.Key.Permissions);
        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(trading.KeyId).StoredStatus);
    }

    [Fact]
    public void CoolingOff_StillRefusesASecondBeforeItEnds_AndThenTheNewAuthenticatorConfirmsEverything()
    {
        var leaked = h.CreateKey(desk, "leaked").Key;
        h.Authority.Keys.Disable(leaked.KeyId, "leaked");
        var resetAt = h.Now;
        var renewed = h.TakeOverByReset(desk);

        h.Clock.Advance(resetAt + Day - TimeSpan.FromSeconds(1) - h.Now);
        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Keys.Enable(leaked.KeyId, h.Proof(renewed)));
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        h.Authority.Keys.Enable(leaked.KeyId, h.Proof(renewed));

        Assert.Equal(ApiKeyStatus.Enabled, h.Authority.Keys.Get(leaked.KeyId).StoredStatus);
        var old = h.Authority.Authenticators.List("desk").First();
        Assert.Equal((AuthenticatorStatus.Revoked, (DateTimeOffset?)h.Now), (old.Status, old.RevokedAt));
        Assert.Null(h.Store.Read(r => r.ReadSealedSeed(old.AuthenticatorId)));
        Assert.Null(h.AccountRecord("desk").RecoveryUntil);
        Assert.Contains(h.Audit(), a => a.Action == "Authenticator.ResetComplete" && a.AccountName == "desk");
        h.NextStep();
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(Key("old-phone"), h.Proof(desk.Seed)));
    }

    [Fact]
    public void StopReset_WithTheReplacedAuthenticatorsCode_PutsEverythingBack()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        var attacker = h.TakeOverByReset(desk);

        var restored = h.Authority.Authenticators.CancelReset("desk", h.Proof(desk.Seed));
        h.NextStep();

        Assert.Equal(AuthenticatorStatus.Active, restored.Status);
        Assert.Null(h.AccountRecord("desk").RecoveryUntil);
        var authenticators = h.Authority.Authenticators.List("desk");
        Assert.Equal(new[] { AuthenticatorStatus.Active, AuthenticatorStatus.Active, AuthenticatorStatus.Revoked }, authenticators.Select(a => a.Status));
        Assert.Equal("rotation-job", authenticators[1].Name);
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(Key("attacker"), h.Proof(attacker)));
        h.Authority.Keys.Create(Key("owner", ApiKeyPermission.Trade), h.Proof(desk.Seed));
        h.Authority.Keys.Create(Key("job"), h.Proof(job));
        var cancel = h.Audit().Single(a => a.Action == "Authenticator.ResetCancel");
        Assert.Equal("primary", cancel.ConfirmedBy);
        Assert.Contains("Resumed=rotation-job", cancel.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void StopReset_WithTheNewAuthenticatorsCode_IsRefused_AndWithNothingPendingIsRecoveryNotPending()
    {
        var attacker = h.TakeOverByReset(desk);

        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Authenticators.CancelReset("desk", h.Proof(attacker)));
        Assert.NotNull(h.AccountRecord("desk").RecoveryUntil);

        h.Authority.Authenticators.CancelReset("desk", h.Proof(desk.Seed));
        h.NextStep();
        Refusal.Expect(KeyAdminError.RecoveryNotPending, () => h.Authority.Authenticators.CancelReset("desk", h.Proof(desk.Seed)));
    }

    [Fact]
    public void Reset_WhileAResetCoolsOff_IsRefusedWithRecoveryPending_AndAudited()
    {
        h.ResetWithoutRecoveryCode(desk);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Authenticators.Reset("desk", "again"));

        Assert.Equal(before, h.StateSnapshot());
        var refused = h.Audit().Last();
        Assert.Equal(("Authenticator.Reset", AuditOutcome.Refused, "again"), (refused.Action, refused.Outcome, refused.Reason));
    }

    [Fact]
    public void Reset_WithARecoveryCodeWhileAHostileResetCoolsOff_GivesTheAccountBackToItsOwnerAtOnce()
    {
        var attacker = h.TakeOverByReset(desk);

        var owner = Harness.SeedOf(h.Authority.Authenticators.Reset("desk", "someone else reset it", desk.RecoveryCodes[0]));
        h.Authority.Authenticators.Confirm("desk", null, h.Proof(owner));
        h.NextStep();

        Assert.Null(h.AccountRecord("desk").RecoveryUntil);
        Assert.Equal(new[] { AuthenticatorStatus.Revoked, AuthenticatorStatus.Revoked, AuthenticatorStatus.Active }, h.Authority.Authenticators.List("desk").Select(a => a.Status));
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(Key("attacker"), h.Proof(attacker)));
        h.Authority.Keys.Create(Key("owner", ApiKeyPermission.Withdraw), h.Proof(owner));
    }

    [Fact]
    public void RecoveryCode_IsAcceptedOnce()
    {
        h.Authority.Authenticators.Reset("desk", "phone lost", desk.RecoveryCodes[2]);
        var before = RawDb.Dump(h.StorePath, "authenticators") + RawDb.Dump(h.StorePath, "recovery_codes");

        Refusal.Expect(KeyAdminError.RecoveryCodeInvalid, () => h.Authority.Authenticators.Reset("desk", "again", desk.RecoveryCodes[2]));

        Assert.Equal(before, RawDb.Dump(h.StorePath, "authenticators") + RawDb.Dump(h.StorePath, "recovery_codes"));
        Assert.Equal(9, h.Authority.Accounts.List().Single().RecoveryCodesLeft);
        Assert.Equal(1, h.AccountRecord("desk").FailedCodeCount);
    }

    [Fact]
    public void RecoveryCode_TypedInAnotherCaseWithoutTheDash_IsAccepted()
    {
        var typed = desk.RecoveryCodes[5].Replace("-", " ", StringComparison.Ordinal).ToUpperInvariant();

        var enrollment = h.Authority.Authenticators.Reset("desk", "phone lost", typed);

        Assert.Null(enrollment.CoolingOffUntil);
    }

    [Fact]
    public void RecoveryCode_Wrong_CountsAsAWrongCodeAndLocksOutAfterFive()
    {
        var errors = Enumerable.Range(0, 5)
            .Select(i => Assert.Throws<KeyAdminException>(() => h.Authority.Authenticators.Reset("desk", "guessing", $"00000-0000{i}")).Error)
            .ToList();

        Assert.Equal(Enumerable.Repeat(KeyAdminError.RecoveryCodeInvalid, 4).Append(KeyAdminError.TwoFactorLockedOut), errors);
        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => h.Authority.Authenticators.Reset("desk", "guessing", desk.RecoveryCodes[0]));
        Assert.Equal(10, h.Authority.Accounts.List().Single().RecoveryCodesLeft);
        Assert.Equal(AuthenticatorStatus.Active, h.Authority.Authenticators.List("desk").Single().Status);
    }

    [Fact]
    public void RecoveryCode_OfAnotherAccount_IsRefused_AndItsHashMovedToThisAccountIsRefusedAsTampered()
    {
        var ops = h.NewAccount("ops");
        var opsId = h.AccountRecord("ops").AccountId;
        var deskId = h.AccountRecord("desk").AccountId;

        Refusal.Expect(KeyAdminError.RecoveryCodeInvalid, () => h.Authority.Authenticators.Reset("desk", "not mine", ops.RecoveryCodes[0]));

        // Someone who writes the database moves ops's hashes to desk: the rows' seals name their account (and the
        // hashes do too, so even a row sealed anew under desk would not match ops's code).
        Attack($"UPDATE recovery_codes SET account_id = '{deskId}' WHERE account_id = '{opsId}'");
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Authenticators.Reset("desk", "not mine", ops.RecoveryCodes[1]));
        Assert.Equal(AuthenticatorStatus.Active, h.Authority.Authenticators.List("desk").Single().Status);
    }

    [Fact]
    public void NewRecoveryCodes_ReplaceTheOldOnes_AndOnlyAPersonsCodeIssuesThem()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Authenticators.NewRecoveryCodes("desk", h.Proof(job)));

        var codes = h.Authority.Authenticators.NewRecoveryCodes("desk", h.Proof(desk.Seed)).Select(Harness.Reveal).ToList();

        Assert.Equal(10, codes.Count);
        Assert.Empty(codes.Intersect(desk.RecoveryCodes));
        Refusal.Expect(KeyAdminError.RecoveryCodeInvalid, () => h.Authority.Authenticators.Reset("desk", "old code", desk.RecoveryCodes[0]));
        h.Authority.Authenticators.Reset("desk", "new code", codes[0]);
        Assert.Contains(h.Audit(), a => a.Action == "RecoveryCode.Renew" && a.ConfirmedBy == "primary");
    }

    [Fact]
    public void Reset_WithARecoveryCode_SuspendsAutomationUntilAPersonConfirmsItAgain()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        var renewed = Harness.SeedOf(h.Authority.Authenticators.Reset("desk", "phone lost", desk.RecoveryCodes[0]));
        h.Authority.Authenticators.Confirm("desk", null, h.Proof(renewed));
        h.NextStep();
        Refusal.Expect(KeyAdminError.AuthenticatorSuspended, () => h.Authority.Keys.Create(Key("by-job"), h.Proof(job)));
        Refusal.Expect(KeyAdminError.AuthenticatorSuspended, () => h.Authority.Authenticators.Confirm("desk", "rotation-job", h.Proof(job)));

        var resumed = h.Authority.Authenticators.Confirm("desk", "rotation-job", h.Proof(renewed));
        h.NextStep();

        Assert.Equal((AuthenticatorStatus.Active, (DateTimeOffset?)null), (resumed.Status, resumed.SuspendedAt));
        h.Authority.Keys.Create(Key("by-job"), h.Proof(job));
        Assert.Contains(h.Audit(), a => a.Action == "Authenticator.Resume" && a.ConfirmedBy == "primary" && a.Target == "rotation-job");
    }

    [Fact]
    public void Withdrawal_ConfirmedByTheNewAuthenticatorWhileTheResetCoolsOff_IsRefusedAndNotCounted()
    {
        var (key, secret) = h.WithdrawKey(desk, "withdrawer");
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        var renewed = h.TakeOverByReset(desk);
        using var verifier = new Verification.RequestVerifier(h.Store, h.Clock);

        var result = verifier.Verify(h.Withdrawal(key, secret, 1, h.Code(renewed)));

        Assert.Equal(Verification.VerificationReason.TwoFactorInvalid, result.Reason);
        Assert.Equal(0, h.Authority.Keys.Get(key.KeyId).WithdrawalFailedCodeCount);
        var refused = h.Audit().Last(a => a.Action == "Verification.Withdraw");
        Assert.Equal((AuditOutcome.Refused, "RecoveryPending"), (refused.Outcome, refused.Reason));
    }

    [Fact]
    public void Compliance_ReportsRecoveryPendingAsHigh_UntilTheCoolingOffEnds()
    {
        var startedAt = h.Now;
        h.ResetWithoutRecoveryCode(desk);

        var finding = h.Authority.Compliance.Review(new ComplianceOptions { Rules = new HashSet<ComplianceRule> { ComplianceRule.RecoveryPending } }).Single();

        Assert.Equal((ComplianceRule.RecoveryPending, ComplianceSeverity.High, "desk", (DateTimeOffset?)startedAt), (finding.Rule, finding.Severity, finding.Account, finding.Since));
        Assert.Contains("Stop-KeyAdminAuthenticatorReset -Account desk", finding.Message, StringComparison.Ordinal);
        h.Clock.Advance(Day);
        Assert.Empty(h.Authority.Compliance.Review(new ComplianceOptions { Rules = new HashSet<ComplianceRule> { ComplianceRule.RecoveryPending } }));
    }

    [Fact]
    public void Recovery_EveryStepIsAudited()
    {
        var leaked = h.CreateKey(desk, "leaked").Key;
        h.Authority.Keys.Disable(leaked.KeyId, "leaked");
        var renewed = h.TakeOverByReset(desk);
        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Keys.Enable(leaked.KeyId, h.Proof(renewed)));
        h.Clock.Advance(Day);
        h.Authority.Keys.Enable(leaked.KeyId, h.Proof(renewed));

        var steps = h.Audit().Where(a => a.Action.StartsWith("Authenticator.", StringComparison.Ordinal) || a.Reason == "RecoveryPending")
            .Select(a => $"{a.Action}:{a.Outcome}").ToList();

        Assert.Equal(
            new[] { "Authenticator.Confirm:Succeeded", "Authenticator.Reset:Succeeded", "Authenticator.Confirm:Succeeded", "ApiKey.Enable:Refused", "Authenticator.ResetComplete:Succeeded" },
            steps);
        Assert.All(h.Audit().Where(a => a.AccountName == "desk"), a => Assert.Equal(h.AccountRecord("desk").AccountId, a.AccountId));
    }

    // --- Whoever writes the database without the key-encryption key (row seals, docs/SECURITY.md) ---

    [Fact]
    public void RecoveryCode_SpentAndItsRowPutBack_IsRefusedAsTampered()
    {
        Attack("CREATE TABLE saved_codes AS SELECT * FROM recovery_codes");
        h.Authority.Authenticators.Reset("desk", "phone lost", desk.RecoveryCodes[0]);

        // A copy of the spent code's row put back from the attacker's backup: it is older than the row index says.
        Attack("INSERT INTO recovery_codes SELECT * FROM saved_codes WHERE code_id NOT IN (SELECT code_id FROM recovery_codes)");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Authenticators.Reset("desk", "again", desk.RecoveryCodes[0]));
        Assert.Contains(h.Authority.Compliance.Review(new ComplianceOptions()), f => f.Rule == ComplianceRule.StoreTampered);
    }

    [Fact]
    public void RecoveryCode_AValueKeyAdminNeverWrites_IsRefusedAsTamperedAndReported()
    {
#if POSTGRES
        Attack("ALTER TABLE recovery_codes ALTER COLUMN hash DROP NOT NULL");
#else
        // NOT NULL lives in the schema text, which whoever writes the file may rewrite.
        Attack("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'hash TEXT NOT NULL', 'hash TEXT') WHERE name = 'recovery_codes'; PRAGMA writable_schema = OFF");
#endif
        Attack("UPDATE recovery_codes SET hash = NULL");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Authenticators.Reset("desk", "phone lost", desk.RecoveryCodes[0]));
        Assert.Contains(h.Authority.Compliance.Review(new ComplianceOptions()), f => f.Rule == ComplianceRule.StoreTampered && f.Message.Contains("recovery_codes", StringComparison.Ordinal));
    }

    public static TheoryData<string> SecurityColumns() => new()
    {
        "a job's scope widened", "a job's suspension lifted", "a pending reset cleared", "a key's withdrawal lockout cleared", "the cooling-off shortened",
    };

    [Theory]
    [MemberData(nameof(SecurityColumns))]
    public void SecurityColumns_OfThisIssue_EditedInTheDatabase_AreRefusedAsTampered(string edit)
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        var (key, secret) = h.WithdrawKey(desk, "withdrawer");
        var spare = h.CreateKey(desk, "spare").Key;
        h.Authority.Keys.Disable(spare.KeyId, "spare");
        Action attempt;
        switch (edit)
        {
            case "a job's scope widened":
                Attack("UPDATE authenticators SET scope = 63 WHERE name_key = 'rotation-job'");
                attempt = () => h.Authority.Keys.Remove(spare.KeyId, h.Proof(job));
                break;
            case "a job's suspension lifted":
                h.ResetWithoutRecoveryCode(desk);
                Attack("UPDATE authenticators SET status = 'Active', suspended_at = NULL WHERE name_key = 'rotation-job'");
                attempt = () => h.Authority.Keys.Create(Key("by-job"), h.Proof(job));
                break;
            case "a pending reset cleared":
                var renewed = h.TakeOverByReset(desk);
                Attack("UPDATE accounts SET recovery_started_at = NULL, recovery_until = NULL WHERE name_key = 'desk'");
                attempt = () => h.Authority.Keys.Enable(spare.KeyId, h.Proof(renewed));
                break;
            case "a key's withdrawal lockout cleared":
                h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
                h.NextStep();
                using (var verifier = new Verification.RequestVerifier(h.Store, h.Clock))
                {
                    for (var n = 0; n < 5; n++)
                    {
                        verifier.Verify(h.Withdrawal(key, secret, n, h.WrongCode(desk.Seed)));
                    }
                }

                Attack($"UPDATE api_keys SET withdrawal_failures = 0, withdrawal_locked_until = NULL WHERE key_id = '{key.KeyId}'");
                attempt = () => h.Authority.Keys.Get(key.KeyId);
                break;
            case "the cooling-off shortened":
                h.SetPolicy(p => p with { MaxKeysPerAccount = 6 });
                Attack("UPDATE policy SET recovery_seconds = 3600");
                attempt = () => h.Authority.Authenticators.Reset("desk", "phone lost");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(edit));
        }

        Refusal.Expect(KeyAdminError.StoreTampered, attempt);
    }

    /// <summary>Raw SQL as whoever writes the database would run it (<see cref="StoreAttacker"/>).</summary>
    private void Attack(string sql) => StoreAttacker.Attack(h, sql);
}
