using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>R12: consecutive wrong codes lock an account's sensitive operations, for a time, in every process.</summary>
public sealed class LockoutTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    private static NewKeyRequest Bot(string name = "bot") => new() { Account = "desk", Name = name };

    private KeyAdminException TryWrongCode(TestAccount account) =>
        Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(Bot(), TwoFactorProof.FromCode(h.WrongCode(account.Seed))));

    [Fact]
    public void Create_AfterFiveConsecutiveWrongCodes_RefusesWithTwoFactorLockedOut()
    {
        var account = h.NewAccount();

        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(KeyAdminError.TwoFactorCodeInvalid, TryWrongCode(account).Error);
            Assert.Equal(i, h.AccountRecord("desk").FailedCodeCount);
        }

        Assert.Equal(KeyAdminError.TwoFactorLockedOut, TryWrongCode(account).Error);

        var record = h.AccountRecord("desk");
        Assert.Equal(h.Now + TimeSpan.FromMinutes(15), record.LockedUntil);
        var lockout = h.Audit().Single(a => a.Action == "TwoFactor.LockedOut");
        Assert.Equal(AuditOutcome.Refused, lockout.Outcome);
        Assert.Equal("desk", lockout.AccountName);
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_WithACorrectCodeWhileLocked_RefusesWithTwoFactorLockedOutAndDoesNotSpendTheCode()
    {
        var account = h.NewAccount();
        for (var i = 0; i < 5; i++)
        {
            TryWrongCode(account);
        }

        var code = h.Code(account.Seed);
        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => h.Authority.Keys.Create(Bot(), TwoFactorProof.FromCode(code)));

        Assert.Equal(0, h.LiveKeyCount("desk"));
        var primary = h.Authority.Authenticators.List("desk").Single(a => a.Kind == AuthenticatorKind.Primary);
        Assert.True(primary.LastUsedStep < Totp.StepAt(h.Now), "a code refused for lockout was spent");
    }

    [Fact]
    public void Lockout_LastsFifteenMinutes_StillLockedAt1459AndFreeAt1500()
    {
        var account = h.NewAccount();
        for (var i = 0; i < 5; i++)
        {
            TryWrongCode(account);
        }

        var lockedAt = h.Now;

        h.Clock.Advance(TimeSpan.FromMinutes(14) + TimeSpan.FromSeconds(59));
        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => h.Authority.Keys.Create(Bot(), h.Proof(account.Seed)));

        h.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(lockedAt + TimeSpan.FromMinutes(15), h.Now);
        var issued = h.Authority.Keys.Create(Bot(), h.Proof(account.Seed));

        Assert.Equal("bot", issued.Key.Name);
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
    }

    [Fact]
    public void FailedCodeCount_ResetsAfterAnAcceptedCode()
    {
        var account = h.NewAccount();
        for (var i = 0; i < 4; i++)
        {
            TryWrongCode(account);
        }

        h.CreateKey(account, "good");
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(KeyAdminError.TwoFactorCodeInvalid, TryWrongCode(account).Error);
        }

        Assert.Null(h.AccountRecord("desk").LockedUntil);
        h.CreateKey(account, "also-good");
        Assert.Equal(2, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Lockout_HonoursMaxFailedCodesAndLockoutDurationFromThePolicy()
    {
        var account = h.NewAccount();
        h.SetPolicy(p => p with { MaxFailedCodes = 2, LockoutDuration = TimeSpan.FromMinutes(3) });

        Assert.Equal(KeyAdminError.TwoFactorCodeInvalid, TryWrongCode(account).Error);
        Assert.Equal(KeyAdminError.TwoFactorLockedOut, TryWrongCode(account).Error);
        Assert.Equal(h.Now + TimeSpan.FromMinutes(3), h.AccountRecord("desk").LockedUntil);

        h.Clock.Advance(TimeSpan.FromMinutes(3) - TimeSpan.FromSeconds(1));
        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => h.Authority.Keys.Create(Bot(), h.Proof(account.Seed)));

        h.Clock.Advance(TimeSpan.FromSeconds(1));
        h.Authority.Keys.Create(Bot(), h.Proof(account.Seed));
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Lockout_RaisedMaxFailedCodes_AllowsMoreAttempts()
    {
        var account = h.NewAccount();
        h.SetPolicy(p => p with { MaxFailedCodes = 7 });

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(KeyAdminError.TwoFactorCodeInvalid, TryWrongCode(account).Error);
        }

        Assert.Equal(KeyAdminError.TwoFactorLockedOut, TryWrongCode(account).Error);
    }

    [Fact]
    public void Lockout_IsPersistedAndSeenByAnotherAuthorityOverANewlyOpenedStore()
    {
        var account = h.NewAccount();
        for (var i = 0; i < 5; i++)
        {
            TryWrongCode(account);
        }

        using var other = h.OpenStore();
        var authority = new KeyAdminAuthority(other, h.Clock, new Audit.Actor("someone-else", "other-host"));

        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => authority.Keys.Create(Bot(), h.Proof(account.Seed)));
        Assert.Equal(h.Now + TimeSpan.FromMinutes(15), other.Read(r => r.FindAccount("desk"))!.LockedUntil);
    }

    [Fact]
    public void Lockout_AppliesToEveryAuthenticatorOfTheAccount()
    {
        var account = h.NewAccount();
        var job = h.RegisterAutomation(account, "job");
        for (var i = 0; i < 5; i++)
        {
            TryWrongCode(account);
        }

        Refusal.Expect(KeyAdminError.TwoFactorLockedOut, () => h.Authority.Keys.Create(Bot(), h.Proof(job)));
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(101, 5)]
    [InlineData(5, 0)]
    public void PolicySet_WithOutOfRangeValues_RefusesWithInvalidPolicyAndKeepsThePolicy(int maxFailedCodes, int lockoutMinutes)
    {
        var before = h.Authority.Policy.Get();

        Refusal.Expect(KeyAdminError.InvalidPolicy, () => h.Authority.Policy.Set(p => p with { MaxFailedCodes = maxFailedCodes, LockoutDuration = TimeSpan.FromMinutes(lockoutMinutes) }, h.Proof(h.StoreAdministratorSeed)));

        Assert.Equal(before, h.Authority.Policy.Get());
    }
}
