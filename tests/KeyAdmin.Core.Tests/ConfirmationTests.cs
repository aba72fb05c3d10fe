using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>One accepted code confirms a command's further operations on the same account, for a short time only.</summary>
public sealed class ConfirmationTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public void OneProof_ConfirmsSeveralOperationsOnOneAccount_WithinTheConfirmationLifetime()
    {
        var account = h.NewAccount();
        var source = new CountingCodeSource(h, account.Seed);
        var proof = new TwoFactorProof(source);

        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof);
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        var b = h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, proof);
        h.Authority.Keys.Disable(b.Key.KeyId, "test");
        h.Clock.Advance(TimeSpan.FromMinutes(3)); // exactly five minutes after the code was accepted
        h.Authority.Keys.Enable(b.Key.KeyId, proof);

        Assert.Equal(1, source.Calls);
        Assert.Equal(2, h.LiveKeyCount("desk"));
        Assert.All(h.Audit().Where(a => a.Action is "ApiKey.Create" or "ApiKey.Enable"), a => Assert.Equal("primary", a.ConfirmedBy));
    }

    [Fact]
    public void OneProof_AfterTheConfirmationLifetime_AsksForAFreshCode()
    {
        var account = h.NewAccount();
        var source = new CountingCodeSource(h, account.Seed);
        var proof = new TwoFactorProof(source);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof);

        h.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, proof);

        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public void FixedCodeProof_AfterTheConfirmationLifetime_IsRefusedBecauseItsCodeIsSpent()
    {
        var account = h.NewAccount();
        var proof = h.Proof(account.Seed);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof);

        h.Clock.Advance(TimeSpan.FromMinutes(6));

        var e = Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, proof));
        Assert.Contains(e.Error, new[] { KeyAdminError.TwoFactorCodeInvalid, KeyAdminError.TwoFactorCodeReplayed });
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void ConfirmationLifetime_FromThePolicy_IsHonoured()
    {
        var account = h.NewAccount();
        h.SetPolicy(p => p with { ConfirmationLifetime = TimeSpan.Zero });
        var source = new CountingCodeSource(h, account.Seed);
        var proof = new TwoFactorProof(source);

        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof);
        h.NextStep();
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, proof);

        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public void OneProof_DoesNotConfirmAnotherAccount()
    {
        var desk = h.NewAccount("desk");
        h.NewAccount("ops");
        var proof = h.Proof(desk.Seed);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof);

        // The desk's code is asked of the ops account and refused there.
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "ops", Name = "a" }, proof));

        Assert.Equal(0, h.LiveKeyCount("ops"));
    }

    [Fact]
    public void FixedCodeProof_WithARefusedCode_IsNotSentToTheStoreAgain()
    {
        var account = h.NewAccount();
        var proof = TwoFactorProof.FromCode(h.WrongCode(account.Seed));
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof));
        var auditAfterFirst = h.AuditCount();

        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, proof));
        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "c" }, proof));

        Assert.Equal(1, h.AccountRecord("desk").FailedCodeCount);
        Assert.Equal(auditAfterFirst, h.AuditCount());
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void StandingConfirmation_OfARevokedAuthenticator_NoLongerConfirms()
    {
        var account = h.NewAccount();
        var job = h.RegisterAutomation(account, "job");
        var proof = h.Proof(job);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, proof);

        h.Authority.Authenticators.Revoke("desk", "job", TwoFactorProof.FromCode(null));

        // Refused; today as TwoFactorCodeRequired, because the proof does not offer its spent code again.
        var e = Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, proof));
        Assert.Contains(e.Error, new[] { KeyAdminError.TwoFactorCodeInvalid, KeyAdminError.TwoFactorCodeReplayed, KeyAdminError.TwoFactorCodeRequired });
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void BeforeChange_RunsOnceTheCodeIsInHand_AndNotWhenThePrechecksOrTheCodeAreMissing()
    {
        var account = h.NewAccount();
        h.NewAccount("ops");
        var calls = 0;
        h.SetPolicy(p => p with { MaxKeysPerAccount = 1 });
        h.CreateKey(account, "first");

        Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, h.Proof(account.Seed).BeforeChange(() => calls++)));
        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "ops", Name = "b" }, TwoFactorProof.FromCode(null).BeforeChange(() => calls++)));
        Assert.Equal(0, calls);

        h.SetPolicy(p => p with { MaxKeysPerAccount = 2 });
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "b" }, h.Proof(account.Seed).BeforeChange(() => calls++));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void BeforeChange_ThatThrows_StopsTheChangeBeforeItIsWritten_AndLeavesTheCodeUnspent()
    {
        var account = h.NewAccount();
        var code = h.Code(account.Seed);
        var before = h.StateSnapshot();

        Assert.Throws<InvalidOperationException>(() => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "a" },
            TwoFactorProof.FromCode(code).BeforeChange(() => throw new InvalidOperationException("a warning the caller stops at"))));

        Assert.Equal(before, h.StateSnapshot());
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "a" }, TwoFactorProof.FromCode(code));
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    /// <summary>A prompt stand-in: answers with the current code and counts how often it was asked.</summary>
    private sealed class CountingCodeSource : ITwoFactorCodeSource
    {
        private readonly Harness harness;
        private readonly byte[] seed;

        public CountingCodeSource(Harness harness, byte[] seed)
        {
            this.harness = harness;
            this.seed = seed;
        }

        public int Calls { get; private set; }

        public string GetCode(string accountName, string operation)
        {
            Calls++;
            return harness.Code(seed);
        }
    }
}
