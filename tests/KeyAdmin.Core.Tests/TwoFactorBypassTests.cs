using System.Security;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// Issue 13: every way around the second factor that used to work, tried as the attacker would (an administrator
/// with a shell but without the account's phone; whoever holds a trading key, or a job's seed from the job's
/// vault), refused with its error id, and with nothing changed: no key, account, authenticator, policy or recovery
/// code row differs, and no code was spent. The cmdlet twins run in tests/KeyAdmin.Tests/TwoFactorBypassTests.cs.
/// </summary>
public sealed class TwoFactorBypassTests : IDisposable
{
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public TwoFactorBypassTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    // --- Takeover by reset: a reset needs no code, and its new authenticator must not take the account over ---

    [Fact]
    public void TakeoverByReset_ReEnablingALeakedKeyWithTheNewAuthenticator_IsRefusedWithRecoveryPending()
    {
        var leaked = h.CreateKey(desk, "leaked").Key;
        h.Authority.Keys.Disable(leaked.KeyId, "leaked");
        var attacker = h.TakeOverByReset(desk);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Keys.Enable(leaked.KeyId, h.Proof(attacker)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(leaked.KeyId).StoredStatus);
        var refused = h.Audit().Last();
        Assert.Equal(("ApiKey.Enable", AuditOutcome.Refused, "RecoveryPending"), (refused.Action, refused.Outcome, refused.Reason));
    }

    [Fact]
    public void TakeoverByReset_TurningOffRequireWithdrawalCode_IsRefusedWithRecoveryPending()
    {
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        var attacker = h.TakeOverByReset(desk);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = false }, h.Proof(attacker)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.True(h.AccountRecord("desk").RequireWithdrawalCode);
    }

    [Fact]
    public void TakeoverByReset_CreatingAnUnboundWithdrawKey_IsRefusedWithRecoveryPending()
    {
        var attacker = h.TakeOverByReset(desk);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "drain", Permissions = ApiKeyPermission.Withdraw, AllowUnboundSensitive = true },
            h.Proof(attacker)));
        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "trader", Permissions = ApiKeyPermission.Trade },
            h.Proof(attacker)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void TakeoverByReset_AutomationAuthenticatorsStayActive_TheyAreSuspendedAndRefusedWithAuthenticatorSuspended()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        h.ResetWithoutRecoveryCode(desk);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.AuthenticatorSuspended, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(job)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.Equal(AuthenticatorStatus.Suspended, h.Authority.Authenticators.List("desk").Single(a => a.Name == "rotation-job").Status);
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
    }

    public static TheoryData<string> TakeoverSteps() => new()
    {
        "change a binding", "register an authenticator", "remove a key", "remove the account", "renew recovery codes",
        "confirm a suspended job again", "unregister the person's authenticator", "rotate away the old key",
    };

    [Theory]
    [MemberData(nameof(TakeoverSteps))]
    public void TakeoverByReset_EveryOtherStepThatWouldTakeTheAccountOver_IsRefusedWithRecoveryPending(string step)
    {
        // An account that holds keys cannot be removed at all, so that step is tried on one without.
        var withKeys = step != "remove the account";
        var bound = withKeys ? h.CreateKey(desk, "bound", r => r with { IpAddresses = new[] { "203.0.113.7" } }).Key : null;
        var spare = withKeys ? h.CreateKey(desk, "spare").Key : null;
        if (spare is not null)
        {
            h.Authority.Keys.Disable(spare.KeyId, "spare");
        }

        h.RegisterAutomation(desk, "rotation-job");
        var attacker = h.TakeOverByReset(desk);
        var before = h.StateSnapshot();
        var proof = h.Proof(attacker);

        Action attempt = step switch
        {
            "change a binding" => () => h.Authority.Keys.Update(bound!.KeyId, new KeyChanges { IpAddresses = new[] { "198.51.100.66" } }, proof),
            "register an authenticator" => () => h.Authority.Authenticators.Register("desk", "attacker-job", proof),
            "remove a key" => () => h.Authority.Keys.Remove(spare!.KeyId, proof),
            "remove the account" => () => h.Authority.Accounts.Remove("desk", proof),
            "renew recovery codes" => () => h.Authority.Authenticators.NewRecoveryCodes("desk", proof),
            "confirm a suspended job again" => () => h.Authority.Authenticators.Confirm("desk", "rotation-job", proof),
            "unregister the person's authenticator" => () => h.Authority.Authenticators.Revoke("desk", "primary", proof),
            "rotate away the old key" => () => h.Authority.Rotations.Plan(bound!.KeyId, new Rotation.RotationOptions { RemoveOld = true, Vault = "v", SecretName = "s" }, _ => throw new InvalidOperationException("no vault is reached")),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };

        Refusal.Expect(KeyAdminError.RecoveryPending, attempt);

        Assert.Equal(before, h.StateSnapshot());
    }

    // --- Unconfirmed sensitive settings: the policy, the person's authenticator and the account itself ---

    [Fact]
    public void UnconfirmedSettings_WeakeningThePolicyWithoutTheStoreAdministratorsCode_IsRefused()
    {
        Policy.KeyAdminPolicy Weaken(Policy.KeyAdminPolicy p) => p with { MaxFailedCodes = 100, LockoutDuration = TimeSpan.FromMinutes(1), MaxKeysPerAccount = 1000 };
        var policyBefore = h.Authority.Policy.Get();

        // No store administrator yet: nobody can change the policy, least of all with an account's code.
        Refusal.Expect(KeyAdminError.StoreAdministratorNotEnrolled, () => h.Authority.Policy.Set(Weaken, h.Proof(desk.Seed)));
        var administrator = h.StoreAdministratorSeed;
        var before = h.StateSnapshot();
        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Policy.Set(Weaken, TwoFactorProof.FromCode(null)));
        Assert.Equal(before, h.StateSnapshot());
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Policy.Set(Weaken, h.Proof(desk.Seed)));

        Assert.Equal(policyBefore, h.Authority.Policy.Get());
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
        var refused = h.Audit().Last();
        Assert.Equal(("Policy.Set", StoreAdministrator.AccountName, AuditOutcome.Refused), (refused.Action, refused.AccountName, refused.Outcome));
        h.SetPolicy(Weaken);
        Assert.Equal(100, h.Authority.Policy.Get().MaxFailedCodes);
        Assert.NotNull(administrator);
    }

    [Fact]
    public void UnconfirmedSettings_UnregisteringThePrimaryWithoutACode_IsRefusedWithTwoFactorCodeRequired()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Authenticators.Revoke("desk", "primary", TwoFactorProof.FromCode(null)));
        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Authenticators.Revoke("desk", "primary", h.Proof(job)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.Equal(AuthenticatorStatus.Active, h.Authority.Authenticators.List("desk").Single(a => a.Name == "primary").Status);
    }

    [Fact]
    public void UnconfirmedSettings_RemovingAnAccountWithoutACode_IsRefusedWithTwoFactorCodeRequired()
    {
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Accounts.Remove("desk", TwoFactorProof.FromCode(null)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.Single(h.Authority.Accounts.List());
    }

    [Fact]
    public void UnconfirmedSettings_AnAccountRecreatedUnderARemovedName_DoesNotInheritItsAuditHistory()
    {
        h.CreateAndRemoveKey(desk, "old-bot");
        var oldId = h.AccountRecord("desk").AccountId;
        h.Authority.Accounts.Remove("desk", h.Proof(desk.Seed));
        h.NextStep();
        var oldHistory = h.Audit().Where(a => a.AccountName == "desk").ToList();

        var successor = h.NewAccount("desk");

        var history = h.Authority.Audit.Read(new AuditQuery { Account = "desk" }).ToList();
        var newId = h.AccountRecord("desk").AccountId;
        Assert.NotEqual(oldId, newId);
        Assert.NotEmpty(history);
        Assert.All(history, a => Assert.Equal(newId, a.AccountId));
        Assert.DoesNotContain(history, a => a.Action is "ApiKey.Create" or "ApiKey.Remove" or "Account.Remove");
        Assert.All(oldHistory, a => Assert.Equal(oldId, a.AccountId));
        Assert.Contains(oldHistory, a => a.Action == "Account.Remove");
        Assert.True(h.Authority.Audit.Verify().IsIntact);
        Assert.NotNull(successor);
    }

    // --- Automation over-reach: a job's seed lives next to the bot; it must not reach withdrawals or settings ---

    [Fact]
    public void AutomationOverreach_ConfirmingAWithdrawal_IsRefusedAndCountsNoFailure()
    {
        var (key, secret) = h.WithdrawKey(desk, "withdrawer");
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        var job = h.RegisterAutomation(desk, "rotation-job");
        using var verifier = new RequestVerifier(h.Store, h.Clock);

        var refused = verifier.Verify(h.Withdrawal(key, secret, 1, h.Code(job)));
        verifier.Flush();

        Assert.Equal(VerificationReason.TwoFactorInvalid, refused.Reason);
        var record = h.Audit().Last(a => a.Action == "Verification.Withdraw");
        Assert.Equal((AuditOutcome.Refused, "TwoFactorScopeDenied", key.KeyId), (record.Outcome, record.Reason, record.KeyId));
        Assert.Equal(0, h.Authority.Keys.Get(key.KeyId).WithdrawalFailedCodeCount);
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
        Assert.True(verifier.Verify(h.Withdrawal(key, secret, 2, h.Code(desk.Seed))).Accepted);
    }

    [Fact]
    public void AutomationOverreach_TurningOffRequireWithdrawalCode_IsRefusedWithTwoFactorScopeDenied()
    {
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        var job = h.RegisterAutomation(desk, "rotation-job");
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = false }, h.Proof(job)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.True(h.AccountRecord("desk").RequireWithdrawalCode);
    }

    [Fact]
    public void AutomationOverreach_RaisingTheKeyLimit_IsRefusedWithTwoFactorScopeDenied()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Accounts.Update("desk", new AccountChanges { KeyLimit = 1000 }, h.Proof(job)));

        Assert.Equal(before, h.StateSnapshot());
        Assert.Null(h.AccountRecord("desk").KeyLimit);
    }

    [Fact]
    public void AutomationOverreach_RefusedScopes_AreNotCountedAsWrongCodes()
    {
        var job = h.RegisterAutomation(desk, "rotation-job");

        for (var i = 0; i < 7; i++)
        {
            Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Accounts.Update("desk", new AccountChanges { KeyLimit = 3 }, h.Proof(job)));
        }

        var account = h.AccountRecord("desk");
        Assert.Equal((0, (DateTimeOffset?)null), (account.FailedCodeCount, account.LockedUntil));
        h.CreateKey(desk, "still-works");
        Assert.Equal(7, h.Audit().Count(a => a.Reason == "TwoFactorScopeDenied"));
    }

    // --- Lockout by a key holder: wrong codes sent with requests lock that key's withdrawals, nothing else ---

    [Fact]
    public void LockoutByKeyHolder_WrongWithdrawalCodes_LockOnlyThatKeysWithdrawals()
    {
        var (stolen, stolenSecret) = h.WithdrawKey(desk, "stolen");
        var (other, otherSecret) = h.WithdrawKey(desk, "other");
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        using var verifier = new RequestVerifier(h.Store, h.Clock);

        var reasons = Enumerable.Range(1, 6).Select(n => verifier.Verify(h.Withdrawal(stolen, stolenSecret, n, h.WrongCode(desk.Seed))).Reason).ToList();

        Assert.Equal(Enumerable.Repeat(VerificationReason.TwoFactorInvalid, 4).Append(VerificationReason.TwoFactorLockedOut).Append(VerificationReason.TwoFactorLockedOut), reasons);
        Assert.Equal(h.Now + TimeSpan.FromMinutes(15), h.Authority.Keys.Get(stolen.KeyId).WithdrawalLockedUntil);
        var account = h.AccountRecord("desk");
        Assert.Equal((0, (DateTimeOffset?)null), (account.FailedCodeCount, account.LockedUntil));
        Assert.Contains(h.Audit(), a => a.Action == "TwoFactor.WithdrawalsLockedOut" && a.KeyId == stolen.KeyId);

        // The account's people are not locked out: they create, disable and delete keys, and other keys withdraw.
        var created = h.CreateKey(desk, "after-the-attack").Key;
        h.Authority.Keys.Disable(created.KeyId, "test");
        h.Authority.Keys.Remove(created.KeyId, h.Proof(desk.Seed));
        h.NextStep();
        Assert.True(verifier.Verify(h.Withdrawal(other, otherSecret, 7, h.Code(desk.Seed))).Accepted);
        h.NextStep();
        Assert.Equal(VerificationReason.TwoFactorLockedOut, verifier.Verify(h.Withdrawal(stolen, stolenSecret, 8, h.Code(desk.Seed))).Reason);
    }

    // --- Seed in a plain property: nothing an enrolment hands over is text ---

    [Fact]
    public void SeedInAPlainProperty_TheEnrolmentHoldsSeedUriAndRecoveryCodesOnlyAsSecureStrings()
    {
        var enrollment = h.Authority.Accounts.Create("ops", "ops@example.com");
        var seed = Harness.Reveal(enrollment.Secret);
        var uri = Harness.Reveal(enrollment.OtpAuthUri);

        var properties = typeof(Enrollment).GetProperties();
        Assert.DoesNotContain(properties, p => p.Name.Contains("Qr", StringComparison.OrdinalIgnoreCase));
        foreach (var property in properties)
        {
            var text = property.GetValue(enrollment) switch
            {
                SecureString or IReadOnlyList<SecureString> => string.Empty,
                var value => value?.ToString() ?? string.Empty,
            };
            Assert.DoesNotContain(seed, text, StringComparison.Ordinal);
            Assert.DoesNotContain("otpauth", text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.StartsWith("otpauth://totp/", uri, StringComparison.Ordinal);
        Assert.Equal(RecoveryCodes.Count, enrollment.RecoveryCodes.Count);
        Assert.All(enrollment.RecoveryCodes.Select(Harness.Reveal), c => Assert.Matches("^[0-9a-z]{5}-[0-9a-z]{5}$", c));
    }
}
