using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>Accounts own keys and authenticators; names compare case-insensitively.</summary>
public sealed class AccountTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public void Create_RecordsTheAccountWithAPendingPrimaryAndAuditsIt()
    {
        var enrollment = h.Authority.Accounts.Create("desk", "desk@example.com");

        Assert.Equal("desk", enrollment.Account);
        Assert.Equal(AuthenticatorNames.Primary, enrollment.Authenticator);
        Assert.Equal(AuthenticatorKind.Primary, enrollment.Kind);
        var summary = h.Authority.Accounts.List().Single();
        Assert.Equal("desk@example.com", summary.Account.Email);
        Assert.Equal("tester@host", summary.Account.CreatedBy);
        Assert.Equal(h.Now, summary.Account.CreatedAt);
        Assert.Equal(0, summary.KeyCount);
        Assert.Equal(5, summary.KeyLimit);
        Assert.False(summary.TwoFactorActive);
        Assert.Equal(new[] { "Store.Create", "Account.Create" }, h.Audit().Select(a => a.Action));
    }

    [Theory]
    [InlineData("desk")]
    [InlineData("DESK")]
    public void Create_WithANameInUse_RefusesWithAccountExists(string name)
    {
        h.Authority.Accounts.Create("desk", "desk@example.com");
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.AccountExists, () => h.Authority.Accounts.Create(name, "other@example.com"));

        Assert.Single(h.Authority.Accounts.List());
        Assert.Equal(auditBefore, h.AuditCount());
    }

    [Theory]
    [InlineData("")]
    [InlineData("-desk")]
    [InlineData("desk space")]
    [InlineData("desk*")]
    public void Create_WithAnInvalidName_RefusesWithInvalidName(string name)
    {
        Refusal.Expect(KeyAdminError.InvalidName, () => h.Authority.Accounts.Create(name, "desk@example.com"));
        Assert.Empty(h.Authority.Accounts.List());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-address")]
    [InlineData("Desk <desk@example.com>")]
    public void Create_WithAnInvalidEmail_RefusesWithInvalidEmail(string email)
    {
        Refusal.Expect(KeyAdminError.InvalidEmail, () => h.Authority.Accounts.Create("desk", email));
        Assert.Empty(h.Authority.Accounts.List());
    }

    [Fact]
    public void Remove_OfAnAccountWithoutKeys_RemovesItAndKeepsItsAuditHistory()
    {
        var desk = h.NewAccount();

        h.Authority.Accounts.Remove("DESK", h.Proof(desk.Seed));

        Assert.Empty(h.Authority.Accounts.List());
        Assert.Contains(h.Audit(), a => a.Action == "Account.Create" && a.AccountName == "desk");
        Assert.Contains(h.Audit(), a => a.Action == "Account.Remove" && a.AccountName == "desk" && a.ConfirmedBy == "primary");
        Refusal.Expect(KeyAdminError.AccountNotFound, () => h.Authority.Accounts.Remove("desk", h.Proof(desk.Seed)));
    }

    [Fact]
    public void Remove_OfAnAccountWhoseEnrolmentWasNeverConfirmed_NeedsNoCode()
    {
        h.Authority.Accounts.Create("typo", "typo@example.com");

        h.Authority.Accounts.Remove("typo", TwoFactor.TwoFactorProof.FromCode(null));

        Assert.Empty(h.Authority.Accounts.List());
        Assert.Contains(h.Audit(), a => a.Action == "Account.Remove" && a.Detail == "NeverEnrolled=True" && a.ConfirmedBy is null);
    }

    [Fact]
    public void Remove_OfAnAccountOnceEnrolled_IsRefusedWhileItsResetIsPending_WithOrWithoutACode()
    {
        var desk = h.NewAccount();
        h.Authority.Authenticators.Reset("desk", "phone lost");

        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Accounts.Remove("desk", TwoFactor.TwoFactorProof.FromCode(null)));
        Refusal.Expect(KeyAdminError.RecoveryPending, () => h.Authority.Accounts.Remove("desk", h.Proof(desk.Seed)));

        Assert.Single(h.Authority.Accounts.List());
    }
}
