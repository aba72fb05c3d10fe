using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// R12: an automation authenticator confirms only what its scope names, on keys of its own account; Transfer and
/// Withdraw keys are a person's to create, enable and re-bind; and a refused scope is not a wrong code.
/// </summary>
public sealed class AutomationScopeTests : IDisposable
{
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public AutomationScopeTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    private static NewKeyRequest Key(string name, ApiKeyPermission permissions = ApiKeyPermission.Read) =>
        new() { Account = "desk", Name = name, Permissions = permissions, IpAddresses = new[] { "203.0.113.7" } };

    private byte[] Job(AutomationScope scope)
    {
        var seed = Harness.SeedOf(h.Authority.Authenticators.Register("desk", "job", h.Proof(desk.Seed), scope));
        h.NextStep();
        return seed;
    }

    [Fact]
    public void Register_WithoutAScope_GrantsCreateRotateAndDisable()
    {
        var enrollment = h.Authority.Authenticators.Register("desk", "job", h.Proof(desk.Seed));

        Assert.Equal(AutomationScope.CreateKey | AutomationScope.RotateKey | AutomationScope.DisableKey, enrollment.Scope);
        Assert.Equal(AutomationScopes.Default, h.Authority.Authenticators.List("desk").Single(a => a.Name == "job").Scope);
        Assert.Contains("Scope=CreateKey, RotateKey, DisableKey", h.Audit().Single(a => a.Action == "Authenticator.Register").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultScope_CreatesReadAndTradeKeys_ButEnablingAndRemovingAreRefusedWithTwoFactorScopeDenied()
    {
        var job = Job(AutomationScopes.Default);
        var key = h.Authority.Keys.Create(Key("trader", ApiKeyPermission.Trade), h.Proof(job)).Key;
        h.NextStep();
        h.Authority.Keys.Disable(key.KeyId, "job retires it");
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Keys.Enable(key.KeyId, h.Proof(job)));
        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Keys.Remove(key.KeyId, h.Proof(job)));

        Assert.Equal(before, h.StateSnapshot());
    }

    [Fact]
    public void ScopeWithRemoveKey_LetsTheJobRemoveKeys()
    {
        var job = Job(AutomationScopes.Default | AutomationScope.RemoveKey);
        var key = h.CreateKey(desk, "old").Key;
        h.Authority.Keys.Disable(key.KeyId, "old");

        h.Authority.Keys.Remove(key.KeyId, h.Proof(job));

        Assert.Equal(ApiKeyStatus.Deleted, h.Authority.Keys.Get(key.KeyId).StoredStatus);
        Assert.Equal("job", h.Audit().Single(a => a.Action == "ApiKey.Remove").ConfirmedBy);
    }

    [Theory]
    [InlineData(ApiKeyPermission.Transfer)]
    [InlineData(ApiKeyPermission.Withdraw)]
    public void CreatingATransferOrWithdrawKey_IsAPersonsToConfirm_EvenWithEveryScope(ApiKeyPermission permission)
    {
        var job = Job(AutomationScopes.All);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Keys.Create(Key("mover", permission), h.Proof(job)));

        Assert.Equal(before, h.StateSnapshot());
        h.Authority.Keys.Create(Key("mover", permission), h.Proof(desk.Seed));
    }

    [Fact]
    public void RebindingOrEnablingAWithdrawKey_IsAPersonsToConfirm_EvenWithEveryScope()
    {
        var (key, _) = h.WithdrawKey(desk, "mover");
        var job = Job(AutomationScopes.All);
        var before = h.StateSnapshot();

        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { IpAddresses = new[] { "198.51.100.66" } }, h.Proof(job)));
        h.Authority.Keys.Disable(key.KeyId, "test");
        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Keys.Enable(key.KeyId, h.Proof(job)));

        Assert.Equal(new[] { "203.0.113.7" }, h.Authority.Keys.Get(key.KeyId).IpBinding.Select(r => r.ToString()));
        Assert.NotEqual(before, h.StateSnapshot()); // the disable, which needs no code
    }

    [Fact]
    public void StandingConfirmation_OfAJob_StopsAtItsScope()
    {
        var job = Job(AutomationScopes.Default);
        var old = h.CreateKey(desk, "old").Key;
        h.Authority.Keys.Disable(old.KeyId, "old");
        var proof = h.Proof(job);

        h.Authority.Keys.Create(Key("new"), proof);

        // The same command goes on to delete: its job's confirmation does not stretch that far.
        Refusal.Expect(KeyAdminError.TwoFactorScopeDenied, () => h.Authority.Keys.Remove(old.KeyId, proof));
        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(old.KeyId).StoredStatus);
    }

    [Theory]
    [InlineData(AutomationScope.None)]
    [InlineData((AutomationScope)64)]
    public void Register_WithAnEmptyOrUnknownScope_RefusesWithInvalidPolicy(AutomationScope scope)
    {
        Refusal.Expect(KeyAdminError.InvalidPolicy, () => h.Authority.Authenticators.Register("desk", "job", h.Proof(desk.Seed), scope));

        Assert.Single(h.Authority.Authenticators.List("desk"));
    }
}
