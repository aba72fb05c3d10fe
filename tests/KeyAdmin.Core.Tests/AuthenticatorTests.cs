using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>R1/R12: enrolment, re-enrolment of a lost phone, and automation authenticators for unattended jobs.</summary>
public sealed class AuthenticatorTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    private static NewKeyRequest Bot(string name = "bot") => new() { Account = "desk", Name = name };

    [Fact]
    public void Create_WhileThePrimaryEnrolmentIsPending_RefusesWithTwoFactorNotEnrolled()
    {
        var seed = Harness.SeedOf(h.Authority.Accounts.Create("desk", "desk@example.com"));
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.TwoFactorNotEnrolled, () => h.Authority.Keys.Create(Bot(), h.Proof(seed)));

        Assert.Equal(0, h.LiveKeyCount("desk"));
        Assert.Equal(auditBefore, h.AuditCount());
        Assert.False(h.Authority.Accounts.List().Single().TwoFactorActive);
    }

    [Fact]
    public void Confirm_WithTheNewAuthenticatorsCode_ActivatesItAndKeysCanBeCreated()
    {
        var seed = Harness.SeedOf(h.Authority.Accounts.Create("desk", "desk@example.com"));

        var confirmed = h.Authority.Authenticators.Confirm("desk", null, h.Proof(seed));
        h.NextStep();

        Assert.Equal(AuthenticatorStatus.Active, confirmed.Status);
        Assert.Equal(h.Now - TimeSpan.FromSeconds(30), confirmed.ConfirmedAt);
        Assert.True(h.Authority.Accounts.List().Single().TwoFactorActive);
        h.Authority.Keys.Create(Bot(), h.Proof(seed));
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Confirm_WithAWrongCode_RefusesWithTwoFactorCodeInvalidAndStaysPending()
    {
        var seed = Harness.SeedOf(h.Authority.Accounts.Create("desk", "desk@example.com"));

        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Authenticators.Confirm("desk", null, TwoFactorProof.FromCode(h.WrongCode(seed))));

        Assert.Equal(AuthenticatorStatus.Pending, h.Authority.Authenticators.List("desk").Single().Status);
    }

    [Fact]
    public void Confirm_WhenNothingIsPending_RefusesWithAuthenticatorNotPending()
    {
        var account = h.NewAccount();

        Refusal.Expect(KeyAdminError.AuthenticatorNotPending, () => h.Authority.Authenticators.Confirm("desk", null, h.Proof(account.Seed)));
    }

    [Fact]
    public void Reset_WithARecoveryCode_RevokesTheOldPrimaryAtOnce_AndAuditsAuthenticatorReset()
    {
        var account = h.NewAccount();
        h.CreateKey(account, "before-reset");

        var enrollment = h.Authority.Authenticators.Reset("desk", "phone lost", account.RecoveryCodes[0]);

        var authenticators = h.Authority.Authenticators.List("desk");
        Assert.Equal(AuthenticatorStatus.Revoked, authenticators[0].Status);
        Assert.Equal(AuthenticatorStatus.Pending, authenticators[1].Status);
        Assert.Equal(AuthenticatorStatus.Pending, enrollment.Status);
        Assert.Null(h.Store.Read(r => r.ReadSealedSeed(authenticators[0].AuthenticatorId)));

        // The old phone's code: no active authenticator is left to accept it, and it cannot confirm the new enrolment.
        Refusal.Expect(KeyAdminError.TwoFactorNotEnrolled, () => h.Authority.Keys.Create(Bot(), h.Proof(account.Seed)));
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Authenticators.Confirm("desk", null, h.Proof(account.Seed)));

        var reset = h.Audit().Single(a => a.Action == "Authenticator.Reset");
        Assert.Equal("desk", reset.AccountName);
        Assert.Equal("phone lost", reset.Reason);
        Assert.Contains("RecoveryCode=used; RecoveryCodesLeft=9", reset.Detail, StringComparison.Ordinal);
        Assert.Null(enrollment.CoolingOffUntil);
        Assert.Equal("tester", reset.Actor);
        Assert.Equal(AuditOutcome.Succeeded, reset.Outcome);
    }

    [Fact]
    public void Reset_WithARecoveryCodeThenConfirmingTheNewPhone_RefusesTheOldPhonesCodesForGood()
    {
        var account = h.NewAccount();
        var newSeed = Harness.SeedOf(h.Authority.Authenticators.Reset("desk", "phone lost", account.RecoveryCodes[3]));
        h.Authority.Authenticators.Confirm("desk", null, h.Proof(newSeed));
        h.NextStep();

        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(Bot(), h.Proof(account.Seed)));

        h.Authority.Keys.Create(Bot(), h.Proof(newSeed));
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Reset_WithoutAReason_RefusesAndChangesNothing()
    {
        var account = h.NewAccount();
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.InvalidMemo, () => h.Authority.Authenticators.Reset("desk", " "));

        Assert.Equal(auditBefore, h.AuditCount());
        h.CreateKey(account, "still-works");
    }

    [Fact]
    public void Register_WithAPrimaryCode_GivesAnAutomationAuthenticatorThatConfirmsNewKey()
    {
        var account = h.NewAccount();

        var enrollment = h.Authority.Authenticators.Register("desk", "nightly-job", h.Proof(account.Seed));
        h.NextStep();
        var jobSeed = Harness.SeedOf(enrollment);

        Assert.Equal(AuthenticatorKind.Automation, enrollment.Kind);
        Assert.Equal(AuthenticatorStatus.Active, enrollment.Status);
        var issued = h.Authority.Keys.Create(Bot(), h.Proof(jobSeed));

        Assert.Equal("bot", issued.Key.Name);
        var created = h.Audit().Single(a => a.Action == "ApiKey.Create");
        Assert.Equal("nightly-job", created.ConfirmedBy);
        Assert.Equal(issued.Key.KeyId, created.KeyId);
        var registered = h.Audit().Single(a => a.Action == "Authenticator.Register");
        Assert.Equal("primary", registered.ConfirmedBy);
        Assert.Equal("nightly-job", registered.Target);
    }

    [Fact]
    public void Register_WithAnAutomationCode_IsRefusedWithTwoFactorScopeDeniedBecauseOnlyAPersonMayRegister()
    {
        var account = h.NewAccount();
        var jobSeed = h.RegisterAutomation(account, "job");

        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Authenticators.Register("desk", "another", h.Proof(jobSeed)));

        Assert.DoesNotContain(h.Authority.Authenticators.List("desk"), a => a.Name == "another");
    }

    [Fact]
    public void Register_WithTheNameOfAnExistingAuthenticator_RefusesWithAuthenticatorExists()
    {
        var account = h.NewAccount();
        h.RegisterAutomation(account, "job");

        Refusal.Expect(KeyAdminError.AuthenticatorExists, () => h.Authority.Authenticators.Register("desk", "JOB", h.Proof(account.Seed)));
        Refusal.Expect(KeyAdminError.InvalidName, () => h.Authority.Authenticators.Register("desk", "primary", h.Proof(account.Seed)));
    }

    [Fact]
    public void Revoke_StopsAnAutomationAuthenticatorAtOnce()
    {
        var account = h.NewAccount();
        var jobSeed = h.RegisterAutomation(account, "job");

        var revoked = h.Authority.Authenticators.Revoke("desk", "job", TwoFactorProof.FromCode(null));

        Assert.Equal(AuthenticatorStatus.Revoked, revoked.Status);
        Assert.Null(h.Store.Read(r => r.ReadSealedSeed(revoked.AuthenticatorId)));
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(Bot(), h.Proof(jobSeed)));
        Assert.Equal(0, h.LiveKeyCount("desk"));
        Assert.Contains(h.Audit(), a => a.Action == "Authenticator.Revoke" && a.Target == "job");
    }

    [Fact]
    public void Revoke_OfAnUnknownAuthenticator_RefusesWithAuthenticatorNotFound()
    {
        h.NewAccount();

        Refusal.Expect(KeyAdminError.AuthenticatorNotFound, () => h.Authority.Authenticators.Revoke("desk", "nobody", TwoFactorProof.FromCode(null)));
    }

    [Fact]
    public void AutomationAndPrimary_EachAcceptTheirOwnCodeOfTheSameStep()
    {
        var account = h.NewAccount();
        var jobSeed = h.RegisterAutomation(account, "job");

        h.Authority.Keys.Create(Bot("by-job"), h.Proof(jobSeed));
        h.Authority.Keys.Create(Bot("by-person"), h.Proof(account.Seed));

        var confirmedBy = h.Audit().Where(a => a.Action == "ApiKey.Create").Select(a => a.ConfirmedBy);
        Assert.Equal(new[] { "job", "primary" }, confirmedBy);
    }
}
