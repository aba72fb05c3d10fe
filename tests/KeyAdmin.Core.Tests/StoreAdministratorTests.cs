using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// R12: store-wide settings are confirmed by a factor too, the store administrator's: enrolled once per store, with
/// recovery codes, a lockout and a cooling-off of its own, and no keys.
/// </summary>
public sealed class StoreAdministratorTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public void Enrol_GivesAPendingAuthenticatorAndTenRecoveryCodes_AndIsNotAnAccount()
    {
        var enrollment = h.Authority.StoreAdministrator.Enrol("security@example.com");

        Assert.Equal((StoreAdministrator.AccountName, AuthenticatorStatus.Pending, 10), (enrollment.Account, enrollment.Status, enrollment.RecoveryCodes.Count));
        Assert.Contains("KeyAdmin%3Astore%20administrator", Harness.Reveal(enrollment.OtpAuthUri), StringComparison.Ordinal);
        Assert.Empty(h.Authority.Accounts.List());
        Assert.False(h.Authority.StoreAdministrator.Get()!.TwoFactorActive);
        var created = h.Audit().Single(a => a.Action == "StoreAdministrator.Create");
        Assert.Equal(StoreAdministrator.AccountName, created.AccountName);
    }

    [Fact]
    public void Enrol_ASecondTime_RefusesWithStoreAdministratorExists()
    {
        _ = h.StoreAdministratorSeed;

        Refusal.Expect(KeyAdminError.StoreAdministratorExists, () => h.Authority.StoreAdministrator.Enrol("someone@example.com"));

        Assert.Single(h.Store.Read(r => r.ListAccounts()));
    }

    [Fact]
    public void SetPolicy_ConfirmedByTheStoreAdministrator_ChangesItForEveryAccountAndIsAudited()
    {
        h.SetPolicy(p => p with { MaxKeysPerAccount = 7, RecoveryCoolingOff = TimeSpan.FromHours(48) });

        var policy = h.Authority.Policy.Get();
        Assert.Equal((7, TimeSpan.FromHours(48)), (policy.MaxKeysPerAccount, policy.RecoveryCoolingOff));
        var set = h.Audit().Single(a => a.Action == "Policy.Set");
        Assert.Equal((StoreAdministrator.AccountName, "primary", AuditOutcome.Succeeded), (set.AccountName, set.ConfirmedBy, set.Outcome));
        Assert.Contains("RecoveryCoolingOff=2.00:00:00", set.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreAdministrator_HoldsNoKeysAndNoJobs_AndIsNoAccountToRemove()
    {
        var seed = h.StoreAdministratorSeed;

        Refusal.Expect(KeyAdminError.AccountNotFound, () => h.Authority.Keys.Create(new NewKeyRequest { Account = StoreAdministrator.AccountName, Name = "bot" }, h.Proof(seed)));
        Refusal.Expect(KeyAdminError.AccountNotFound, () => h.Authority.Authenticators.Register(StoreAdministrator.AccountName, "policy-job", h.Proof(seed)));
        Refusal.Expect(KeyAdminError.AccountNotFound, () => h.Authority.Accounts.Remove(StoreAdministrator.AccountName, h.Proof(seed)));
        Refusal.Expect(KeyAdminError.AccountNotFound, () => h.Authority.Accounts.Update(StoreAdministrator.AccountName, new AccountChanges { KeyLimit = 1 }, h.Proof(seed)));
        Refusal.Expect(KeyAdminError.InvalidName, () => h.Authority.Accounts.Create(StoreAdministrator.AccountName, "x@example.com"));
    }

    [Fact]
    public void WrongPolicyCodes_LockTheStoreAdministrator_NotTheAccounts()
    {
        var desk = h.NewAccount();
        var seed = h.StoreAdministratorSeed;

        for (var i = 0; i < 5; i++)
        {
            Assert.Throws<KeyAdminException>(() => h.Authority.Policy.Set(p => p with { MaxKeysPerAccount = 9 }, TwoFactorProof.FromCode(h.WrongCode(seed))));
        }

        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => h.Authority.Policy.Set(p => p with { MaxKeysPerAccount = 9 }, h.Proof(seed)));
        Assert.Equal(5, h.Authority.Policy.Get().MaxKeysPerAccount);
        Assert.Null(h.AccountRecord("desk").LockedUntil);
        h.CreateKey(desk, "unaffected");
    }

    [Fact]
    public void Reset_OfTheStoreAdministratorWithoutARecoveryCode_CoolsOff_PolicyIsRefusedAndComplianceReportsIt()
    {
        _ = h.StoreAdministratorSeed;
        var renewed = Harness.SeedOf(h.Authority.Authenticators.Reset(StoreAdministrator.AccountName, "phone lost"));
        h.Authority.Authenticators.Confirm(StoreAdministrator.AccountName, null, h.Proof(renewed));
        h.NextStep();

        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Policy.Set(p => p with { MaxFailedCodes = 100 }, h.Proof(renewed)));

        Assert.Equal(5, h.Authority.Policy.Get().MaxFailedCodes);
        var finding = h.Authority.Compliance.Review(new ComplianceOptions()).Single(f => f.Rule == ComplianceRule.RecoveryPending);
        Assert.Equal((StoreAdministrator.AccountName, ComplianceSeverity.High), (finding.Account, finding.Severity));
        Assert.Contains("Stop-KeyAdminAuthenticatorReset -StoreAdministrator", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_OfTheStoreAdministratorWithARecoveryCode_TakesEffectAtOnce()
    {
        var enrollment = h.Authority.StoreAdministrator.Enrol("security@example.com");
        var codes = enrollment.RecoveryCodes.Select(Harness.Reveal).ToList();

        var renewed = Harness.SeedOf(h.Authority.Authenticators.Reset(StoreAdministrator.AccountName, "phone lost", codes[0]));
        h.Authority.Authenticators.Confirm(StoreAdministrator.AccountName, null, h.Proof(renewed));
        h.NextStep();

        h.Authority.Policy.Set(p => p with { MaxKeysPerAccount = 8 }, h.Proof(renewed));
        Assert.Equal(8, h.Authority.Policy.Get().MaxKeysPerAccount);
    }
}
