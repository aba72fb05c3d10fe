using System.Management.Automation;
using System.Security;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Authenticators beyond the person's phone: an automation authenticator for unattended jobs, and the
/// re-enrolment of a lost phone.
/// </summary>
public sealed class AuthenticatorTests
{
    [Fact]
    public void Register_AutomationAuthenticator_LetsAJobConfirmWithACodeFromItsSeed()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var registered = session.Run("Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0]", desk.NextCode());
        var enrollment = registered.Single();
        Assert.Equal("Automation", enrollment.Text("Kind"));
        Assert.Equal("Active", enrollment.Text("Status"));
        var seed = Assert.IsType<SecureString>(enrollment.Property("Secret"));
        Assert.Contains(registered.Warnings, w => w.Contains("rotation-job", StringComparison.Ordinal));

        // What the job runs: the seed comes from its vault as a SecureString, the code is computed per command.
        var created = session.Run("New-ApiKey -Account desk -Name job-key -Code ($args[0] | Get-KeyAdminTotpCode)", seed).Single();

        Assert.Equal("job-key", created.Text("Name"));
        var job = session.Run("Get-KeyAdminAuthenticator -Account desk").ThrowOnError().Output.Single(a => a.Text("Name") == "rotation-job");
        Assert.Equal("Automation", job.Text("Kind"));
        Assert.Equal("Active", job.Text("Status"));
        Assert.NotNull(job.Property("LastUsedAt"));
        var primary = session.Run("Get-KeyAdminAuthenticator -Account desk").ThrowOnError().Output.Single(a => a.Text("Name") != "rotation-job");
        Assert.Equal("Primary", primary.Text("Kind"));
    }

    [Fact]
    public void Unregister_AutomationAuthenticator_MakesItsCodesFail()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var seed = Secure.ToPlain(session.Run(
            "Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0]", desk.NextCode()).Single().Property("Secret"));
        var job = new AccountHandle("desk", seed);

        session.Run("Unregister-KeyAdminAuthenticator -Account desk -Name rotation-job -Confirm:$false").ThrowOnError();

        Assert.DoesNotContain("rotation-job", session.Run("Get-KeyAdminAuthenticator -Account desk").ThrowOnError().Output.Select(a => a.Text("Name")));
        var revoked = session.Run("Get-KeyAdminAuthenticator -Account desk -IncludeRevoked").ThrowOnError().Output.Single(a => a.Text("Name") == "rotation-job");
        Assert.Equal("Revoked", revoked.Text("Status"));
        var before = StoreSnapshot.Take(session);
        var error = session.Run("New-ApiKey -Account desk -Name job-key -Code $args[0]", job.NextCode()).OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void Register_ConfirmedByAnAutomationCode_IsRefused()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var seed = Secure.ToPlain(session.Run(
            "Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0]", desk.NextCode()).Single().Property("Secret"));
        var job = new AccountHandle("desk", seed);
        var before = StoreSnapshot.Take(session);

        var error = session.Run("Register-KeyAdminAuthenticator -Account desk -Name second-job -Code $args[0]", job.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorScopeDenied,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void Reset_WithARecoveryCode_RefusesOldCodesAndTheNewEnrolmentIsConfirmable()
    {
        using var session = new ModuleSession();
        var old = session.NewConfirmedAccount();

        var reset = session.Run("Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost' -RecoveryCode $args[0] -Confirm:$false", old.RecoveryCodes[0]).Single();
        Assert.Equal("Pending", reset.Text("Status"));
        Assert.Null(reset.Property("CoolingOffUntil"));
        var renewed = new AccountHandle("desk", Secure.ToPlain(reset.Property("Secret")));
        Assert.NotEqual(old.Base32Seed, renewed.Base32Seed);
        Assert.Equal("Pending", session.Run("Get-KeyAdminAccount -Name desk").Single().Text("TwoFactor"));

        // Until the new phone is confirmed, nothing sensitive can be confirmed, least of all with the old phone.
        var notEnrolled = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", old.NextCode()).OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorNotEnrolled,", notEnrolled.FullyQualifiedErrorId, StringComparison.Ordinal);
        var oldConfirm = session.Run("Confirm-KeyAdminAuthenticator -Account desk -Code $args[0]", old.NextCode()).OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", oldConfirm.FullyQualifiedErrorId, StringComparison.Ordinal);

        session.Run("Confirm-KeyAdminAuthenticator -Account desk -Code $args[0]", renewed.NextCode()).ThrowOnError();

        Assert.Equal("Active", session.Run("Get-KeyAdminAccount -Name desk").Single().Text("TwoFactor"));
        var oldAfter = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", old.LastCode()).OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", oldAfter.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(session.KeyNames("desk"));
        session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", renewed.NextCode()).ThrowOnError();
        Assert.Equal(new[] { "bot-a" }, session.KeyNames("desk"));
        var authenticators = session.Run("Get-KeyAdminAuthenticator -Account desk -IncludeRevoked").ThrowOnError().Output;
        Assert.Equal(new[] { "Active", "Revoked" }, authenticators.Select(a => a.Text("Status")!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GetTotpCode_FromASeed_GivesTheCodeOfTheCurrentStep()
    {
        using var session = new ModuleSession(connect: false);
        var seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        var handle = new AccountHandle("any", seed);

        var step = AccountHandle.CurrentStep;
        var code = session.Run("$args[0] | Get-KeyAdminTotpCode", new System.Net.NetworkCredential(string.Empty, seed).SecurePassword).Single().ToString();

        Assert.Contains(code, new[] { handle.CodeAt(step), handle.CodeAt(step + 1) });
    }
}
