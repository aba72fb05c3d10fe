using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>R6: a binding of every address, or of ranges wider than the policy's minimum, is no binding.</summary>
public sealed class BindingMinimumTests : IDisposable
{
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public BindingMinimumTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    [InlineData("10.0.0.0/8")]
    [InlineData("2001::/16")]
    [InlineData("203.0.113.7,0.0.0.0/0")]
    [InlineData("::ffff:0.0.0.0/96")]
    public void Create_WithdrawBoundToEveryAddressOrTooWideARange_IsRefusedAsUnbound(string binding)
    {
        Refusal.Expect(KeyAdminError.UnboundSensitivePermission, () =>
            h.CreateKey(desk, "payouts", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = binding.Split(',') }));
    }

    [Theory]
    [InlineData("10.0.0.0/16")]
    [InlineData("2001:db8::/32")]
    [InlineData("203.0.113.7,198.51.100.0/24")]
    public void Create_WithdrawBoundToRangesAtTheMinimum_IsBound(string binding)
    {
        var key = h.CreateKey(desk, "payouts", r => r with { Permissions = ApiKeyPermission.Transfer, IpAddresses = binding.Split(',') }).Key;

        Assert.False(key.UnboundSensitiveAllowed);
    }

    [Fact]
    public void Create_WithTheOverride_KeepsTheWideBindingAndRecordsTheOverride_AndComplianceReportsItUnbound()
    {
        var key = h.CreateKey(desk, "payouts", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "0.0.0.0/0" }, AllowUnboundSensitive = true }).Key;
        var reader = h.CreateKey(desk, "reader", r => r with { IpAddresses = new[] { "::/0" } }).Key;

        Assert.True(key.UnboundSensitiveAllowed);
        Assert.Equal(new[] { "0.0.0.0/0" }, key.IpBinding.Select(r => r.ToString()));
        var findings = h.Authority.Compliance.Review(new ComplianceOptions()).ToList();
        Assert.Contains(findings, f => f.KeyId == key.KeyId && f.Rule == ComplianceRule.UnboundSensitive && f.Severity == ComplianceSeverity.High);
        Assert.Contains(findings, f => f.KeyId == reader.KeyId && f.Rule == ComplianceRule.Unbound && f.Message.Contains("::/0", StringComparison.Ordinal));
    }

    [Fact]
    public void Update_OfAWithdrawKeysBindingToEveryAddress_IsRefusedAsUnbound()
    {
        var key = h.CreateKey(desk, "payouts", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "203.0.113.7" } }).Key;

        Refusal.Expect(KeyAdminError.UnboundSensitivePermission, () =>
            h.Authority.Keys.Update(key.KeyId, new KeyChanges { AddIpAddresses = new[] { "0.0.0.0/0" } }, h.Proof(desk.Seed)));
    }

    [Fact]
    public void Policy_WithALowerMinimum_LetsAWiderRangeBind_ButNeverASlashZero()
    {
        h.SetPolicy(p => p with { MinBindingPrefixV4 = 8 });

        var wide = h.CreateKey(desk, "wide", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "10.0.0.0/8" } }).Key;

        Assert.False(wide.UnboundSensitiveAllowed);
        Assert.Equal(8, h.Authority.Policy.Get().MinBindingPrefixV4);
        Refusal.Expect(KeyAdminError.InvalidPolicy, () => h.Authority.Policy.Set(p => p with { MinBindingPrefixV4 = 0 }, h.Proof(h.StoreAdministratorSeed)));
        Refusal.Expect(KeyAdminError.InvalidPolicy, () => h.Authority.Policy.Set(p => p with { MinBindingPrefixV6 = 0 }, h.Proof(h.StoreAdministratorSeed)));
        Refusal.Expect(KeyAdminError.UnboundSensitivePermission, () =>
            h.CreateKey(desk, "all", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "0.0.0.0/0" } }));
    }
}
