using System.Management.Automation;
using System.Security;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Issue 13, as an administrator with a shell types it: every way around the second factor that used to work is
/// refused with its error id and changes nothing an administrator can see (no key, account, authenticator or policy,
/// no spent code). The core twins, on both engines, are in tests/KeyAdmin.Core.Tests/TwoFactorBypassTests.cs.
/// </summary>
public sealed class TwoFactorBypassTests
{
    private const string SignWithdrawal = """
        $credential = [pscredential]::new($args[0], $args[1])
        $body = '{"amount":' + $args[3] + '}'
        $h = New-ApiKeySignature -Credential $credential -Method POST -Path '/api/v1/withdrawals' -Body $body
        Test-ApiKey -KeyId $h['KA-API-KEY'] -Timestamp $h['KA-API-TIMESTAMP'] -Signature $h['KA-API-SIGN'] -Method POST -Path '/api/v1/withdrawals' -Body $body -ContentType 'application/json' -IpAddress 203.0.113.7 -Permission Withdraw -Code $args[2]
        """;

    // --- Takeover by reset ---

    [Fact]
    public void TakeoverByReset_ReEnablingALeakedKeyWithTheNewAuthenticator_IsRefusedWithRecoveryPending()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var leaked = session.NewKeys(desk, "leaked")[0].Text("KeyId")!;
        session.Disable(leaked);
        var attacker = TakeOver(session);
        var before = StoreSnapshot.Take(session);

        var error = session.Run("Enable-ApiKey -KeyId $args[0] -Code $args[1]", leaked, attacker.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.RecoveryPending,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(before, StoreSnapshot.Take(session));
        Assert.Equal("Disabled", session.Statuses("desk")["leaked"]);
    }

    [Fact]
    public void TakeoverByReset_TurningOffRequireWithdrawalCode_IsRefusedWithRecoveryPending()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run("Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $true -Code $args[0]", desk.NextCode()).ThrowOnError();
        var attacker = TakeOver(session);
        var before = StoreSnapshot.Take(session);

        var error = session.Run("Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $false -Code $args[0]", attacker.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.RecoveryPending,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
        Assert.Equal("True", session.Run("Get-KeyAdminAccount -Name desk").Single().Text("RequireWithdrawalCode"));
    }

    [Fact]
    public void TakeoverByReset_CreatingAnUnboundWithdrawKey_IsRefusedWithRecoveryPending()
    {
        using var session = new ModuleSession();
        session.NewConfirmedAccount();
        var attacker = TakeOver(session);
        var before = StoreSnapshot.Take(session);

        var error = session.Run("New-ApiKey -Account desk -Name drain -Permission Withdraw -AllowUnboundSensitive -Code $args[0]", attacker.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.RecoveryPending,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
        Assert.Empty(session.KeyNames("desk"));
        var finding = session.Run("Test-ApiKeyCompliance -Rule RecoveryPending").Single();
        Assert.Equal(("High", "desk"), (finding.Text("Severity"), finding.Text("Account")));
    }

    [Fact]
    public void TakeoverByReset_AutomationAuthenticatorsStayActive_TheyAreSuspendedAndRefusedWithAuthenticatorSuspended()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var job = new AccountHandle("desk", Secure.ToPlain(session.Run(
            "Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0] -WarningAction SilentlyContinue", desk.NextCode()).Single().Property("Secret")));
        session.Run("Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost' -Confirm:$false").ThrowOnError();
        var before = StoreSnapshot.Take(session);

        var error = session.Run("New-ApiKey -Account desk -Name bot -Code $args[0]", job.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.AuthenticatorSuspended,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
        var listed = session.Run("Get-KeyAdminAuthenticator -Account desk").ThrowOnError().Output.Single(a => a.Text("Name") == "rotation-job");
        Assert.Equal("Suspended", listed.Text("Status"));
    }

    [Fact]
    public void TakeoverByReset_TheOldPhoneCancelsIt_WithStopKeyAdminAuthenticatorReset()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var attacker = TakeOver(session);

        session.Run("Stop-KeyAdminAuthenticatorReset -Account desk -Code $args[0] -Confirm:$false", desk.NextCode()).ThrowOnError();

        Assert.Equal("Active", session.Run("Get-KeyAdminAccount -Name desk").Single().Text("TwoFactor"));
        var error = session.Run("New-ApiKey -Account desk -Name bot -Code $args[0]", attacker.NextCode()).OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        session.Run("New-ApiKey -Account desk -Name bot -Permission Trade -IpAddress 203.0.113.7 -Code $args[0]", desk.NextCode()).ThrowOnError();
        var steps = session.Run("Get-ApiKeyAuditLog -Account desk -Action Authenticator.Reset* -Oldest | ForEach-Object Action").ThrowOnError().Output.Select(o => o.ToString());
        Assert.Equal(new[] { "Authenticator.Reset", "Authenticator.ResetCancel" }, steps);
    }

    // --- Unconfirmed sensitive settings ---

    [Fact]
    public void UnconfirmedSettings_SetKeyAdminPolicyWithoutTheStoreAdministratorsCode_IsRefused()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        const string Weaken = "Set-KeyAdminPolicy -MaxFailedCodes 100 -LockoutDuration 00:01:00 -MaxKeysPerAccount 1000 -Confirm:$false";
        var policy = StoreSnapshot.Describe(session.Run("Get-KeyAdminPolicy").Single());

        var notEnrolled = session.Run(Weaken + " -Code $args[0]", desk.NextCode()).OnlyError();
        var administrator = session.NewStoreAdministrator();
        var before = StoreSnapshot.Take(session);
        var noCode = session.Run(Weaken).OnlyError();
        var after = StoreSnapshot.Take(session);
        var accountsCode = session.Run(Weaken + " -Code $args[0]", desk.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.StoreAdministratorNotEnrolled,", notEnrolled.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.StartsWith("KeyAdmin.TwoFactorCodeRequired,", noCode.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", accountsCode.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, after);
        Assert.Equal(policy, StoreSnapshot.Describe(session.Run("Get-KeyAdminPolicy").Single()));
        session.Run(Weaken + " -Code $args[0]", administrator.NextCode()).ThrowOnError();
        Assert.Equal("100", session.Run("(Get-KeyAdminPolicy).MaxFailedCodes").Single().ToString());
    }

    [Fact]
    public void UnconfirmedSettings_UnregisteringThePrimaryWithoutACode_IsRefusedWithTwoFactorCodeRequired()
    {
        using var session = new ModuleSession();
        session.NewConfirmedAccount();
        var before = StoreSnapshot.Take(session);

        var error = session.Run("Unregister-KeyAdminAuthenticator -Account desk -Name primary -Confirm:$false").OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeRequired,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void UnconfirmedSettings_RemovingAnAccountWithoutACode_IsRefusedWithTwoFactorCodeRequired()
    {
        using var session = new ModuleSession();
        session.NewConfirmedAccount();
        var before = StoreSnapshot.Take(session);

        var error = session.Run("Remove-KeyAdminAccount -Name desk -Confirm:$false").OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeRequired,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void UnconfirmedSettings_AnAccountRecreatedUnderARemovedName_DoesNotInheritItsAuditHistory()
    {
        using var session = new ModuleSession();
        var old = session.NewConfirmedAccount();
        var oldBot = session.NewKeys(old, "old-bot")[0].Text("KeyId")!;
        session.Disable(oldBot);
        session.Run("Remove-ApiKey -KeyId $args[0] -Code $args[1] -Confirm:$false", oldBot, old.NextCode()).ThrowOnError();
        session.Run("Remove-KeyAdminAccount -Name desk -Code $args[0] -Confirm:$false", old.NextCode()).ThrowOnError();

        session.NewConfirmedAccount("desk");

        var history = session.Run("Get-ApiKeyAuditLog -Account desk -Oldest").ThrowOnError().Output;
        Assert.Equal(new[] { "Account.Create", "Authenticator.Confirm" }, history.Select(e => e.Text("Action")));
        Assert.Single(history.Select(e => e.Text("AccountId")).Distinct());
        var everyDesk = session.Run("Get-ApiKeyAuditLog -Oldest | Where-Object AccountName -eq desk").ThrowOnError().Output;
        Assert.Equal(2, everyDesk.Select(e => e.Text("AccountId")).Distinct().Count());
    }

    // --- Automation over-reach ---

    [Fact]
    public void AutomationOverreach_ConfirmingAWithdrawalWithTheJobsCode_IsRefused()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var (keyId, secret) = NewWithdrawKey(session, desk);
        session.Run("Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $true -Code $args[0]", desk.NextCode()).ThrowOnError();
        var job = RegisterJob(session, desk);

        var refused = session.Run(SignWithdrawal, keyId, secret, job.NextCode(), 1).Single();

        Assert.Equal("TwoFactorInvalid", refused.Text("Reason"));
        var record = session.Run("Get-ApiKeyAuditLog -KeyId $args[0] -Action Verification.Withdraw -Last 1", keyId).Single();
        Assert.Equal(("Refused", "TwoFactorScopeDenied"), (record.Text("Outcome"), record.Text("Reason")));
        Assert.Equal("Accepted", session.Run(SignWithdrawal, keyId, secret, desk.NextCode(), 2).Single().Text("Reason"));
    }

    [Fact]
    public void AutomationOverreach_SetKeyAdminAccountWithTheJobsCode_IsRefusedWithTwoFactorScopeDenied()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run("Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $true -Code $args[0]", desk.NextCode()).ThrowOnError();
        var job = RegisterJob(session, desk);
        var before = StoreSnapshot.Take(session);

        var result = session.Run("Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $false -KeyLimit 1000 -Code $args[0]", job.NextCode());

        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorScopeDenied,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(before, StoreSnapshot.Take(session));
        var scope = ((IEnumerable<string>)session.Run("Get-KeyAdminAuthenticator -Account desk").ThrowOnError().Output.Single(a => a.Text("Name") == "rotation-job").Property("Scope")!).ToArray();
        Assert.Equal(new[] { "CreateKey", "RotateKey", "DisableKey" }, scope);
    }

    // --- Lockout by a key holder ---

    [Fact]
    public void LockoutByKeyHolder_WrongWithdrawalCodes_LockOnlyThatKeysWithdrawals()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var (keyId, secret) = NewWithdrawKey(session, desk);
        session.Run("Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $true -Code $args[0]", desk.NextCode()).ThrowOnError();

        var reasons = Enumerable.Range(1, 5).Select(n => session.Run(SignWithdrawal, keyId, secret, desk.WrongCode(), n).Single().Text("Reason")).ToList();

        Assert.Equal(new[] { "TwoFactorInvalid", "TwoFactorInvalid", "TwoFactorInvalid", "TwoFactorInvalid", "TwoFactorLockedOut" }, reasons);
        Assert.NotNull(session.Run("Get-ApiKey -KeyId $args[0]", keyId).Single().Property("WithdrawalLockedUntil"));
        var account = session.Run("Get-KeyAdminAccount -Name desk").Single();
        Assert.Null(account.Property("LockedUntil"));
        // The account's people are not locked out.
        session.Run("New-ApiKey -Account desk -Name after-attack -Code $args[0]", desk.NextCode()).ThrowOnError();
        Assert.Equal("TwoFactorLockedOut", session.Run(SignWithdrawal, keyId, secret, desk.NextCode(), 6).Single().Text("Reason"));
    }

    // --- Seed in a plain property ---

    [Fact]
    public void SeedInAPlainProperty_TheQrCodeIsDrawnOnTheHostOnly_AndNoPropertyOfTheEnrolmentHoldsTheSeedAsText()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);

        var enrollment = session.Run("$e = New-KeyAdminAccount -Name desk -Email desk@example.com; $e").Single();
        var drawn = host.Transcript;
        session.Run("$e | Out-Host").ThrowOnError();
        var view = host.Transcript[drawn.Length..];

        var seed = Secure.ToPlain(enrollment.Property("Secret"));
        var uri = Secure.ToPlain(enrollment.Property("OtpAuthUri"));
        var codes = ((SecureString[])enrollment.Property("RecoveryCodes")!).Select(c => Secure.ToPlain(c)).ToList();
        Assert.Null(enrollment.Properties["QrCode"]);
        Assert.IsType<SecureString>(enrollment.Property("OtpAuthUri"));
        Assert.IsType<SecureString>(enrollment.Property("Secret"));
        var scanner = new LeakScanner();
        scanner.Watch("authenticator seed", seed);
        scanner.Watch("enrolment URI", uri);
        foreach (var code in codes)
        {
            scanner.Watch("recovery code", code);
        }

        // Every property but the SecureStrings themselves (which the walk would open) is text a script can print.
        foreach (var property in enrollment.Properties.Where(p => p.Value is not SecureString and not SecureString[]))
        {
            foreach (var text in LeakScanner.Walk(property.Value, 0))
            {
                scanner.CheckText(text, "property " + property.Name + " of the enrolment");
            }
        }

        scanner.CheckText(view, "the enrolment's default view");
        Assert.DoesNotContain("█", view, StringComparison.Ordinal);

        // The person at the keyboard saw the QR code, the key for manual entry and the recovery codes on the host.
        Assert.Contains("█", drawn, StringComparison.Ordinal);
        Assert.Contains(string.Join(' ', seed.Chunk(4).Select(c => new string(c))), drawn, StringComparison.Ordinal);
        Assert.All(codes, c => Assert.Contains(c, drawn, StringComparison.Ordinal));
        Assert.DoesNotContain(uri, drawn, StringComparison.Ordinal);
    }

    [Fact]
    public void SeedInAPlainProperty_ShowQrCodeInAHostWithoutAUserInterface_IsRefusedBeforeAnythingIsCreated()
    {
        using var session = new ModuleSession();

        var error = session.Run("New-KeyAdminAccount -Name desk -Email desk@example.com -ShowQrCode").OnlyError();

        Assert.Equal("KeyAdmin.HostCannotDraw,KeyAdmin.Cmdlets.Accounts.NewKeyAdminAccountCommand", error.FullyQualifiedErrorId);
        Assert.Empty(session.Run("Get-KeyAdminAccount").ThrowOnError().Output);
    }

    // --- A lost secret: nothing is created, or the secret is delivered ---

    public static TheoryData<string> StoppingPreferences() => new()
    {
        "$WarningPreference = 'Stop'; $key = New-ApiKey -Account desk -Name bot-a -Code $args[0]",
        "$key = New-ApiKey -Account desk -Name bot-a -Code $args[0] -WarningAction Stop",
        "$key = New-ApiKey -Account desk -Name bot-a -Code $args[0] -Debug",
        "$WarningPreference = 'Inquire'; $key = New-ApiKey -Account desk -Name bot-a -Code $args[0]",
    };

    [Theory]
    [MemberData(nameof(StoppingPreferences))]
    public void LostSecret_APreferenceThatStopsAtTheWarning_StopsNewApiKeyBeforeTheKeyExistsAndLeavesTheCodeUnspent(string script)
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var code = desk.NextCode();
        var before = StoreSnapshot.Take(session);

        var stopped = session.Run(script + "; if ($key) { $key }", code);

        Assert.NotNull(stopped.TerminatingRecord ?? stopped.Errors.FirstOrDefault());
        Assert.Empty(stopped.Output);
        Assert.Equal(before, StoreSnapshot.Take(session));
        // The code was not spent: the same command, run again without the preference, creates the key with it.
        var created = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0] -WarningAction SilentlyContinue", code).Single();
        Assert.StartsWith("kas_", Secure.ToPlain(created.Property("Secret")), StringComparison.Ordinal);
    }

    [Fact]
    public void LostSecret_UnderDebugAtAPromptThatSaysYes_TheSecretIsDelivered()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        host.QueueChoice("Yes");

        var created = session.Run("$key = New-ApiKey -Account desk -Name bot-a -Code $args[0] -Debug; $key", desk.NextCode()).Single();

        Assert.StartsWith("kas_", Secure.ToPlain(created.Property("Secret")), StringComparison.Ordinal);
        Assert.Single(host.ChoicePrompts);
    }

    public static TheoryData<string, string> OtherHandovers() => new()
    {
        { "Register-KeyAdminAuthenticator", "$e = Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0]" },
        { "New-KeyAdminAccount", "$e = New-KeyAdminAccount -Name ops -Email ops@example.com" },
        { "Reset-KeyAdminAuthenticator", "$e = Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost' -Confirm:$false" },
        { "New-KeyAdminRecoveryCode", "$e = New-KeyAdminRecoveryCode -Account desk -Code $args[0] -Confirm:$false" },
        { "New-KeyAdminStoreAdministrator", "$e = New-KeyAdminStoreAdministrator -Email security@example.com" },
    };

    [Theory]
    [MemberData(nameof(OtherHandovers))]
    public void LostSecret_EveryCmdletThatHandsOverASeedOrCodes_UnderWarningPreferenceStop_DeliversThemOrCreatesNothing(string cmdlet, string script)
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var before = StoreSnapshot.Take(session);

        var result = session.Run("$WarningPreference = 'Stop'; " + script + "; $e", desk.NextCode());

        if (result.Output.Count == 1)
        {
            // Nothing was written after the change: the object arrived with what it hands over.
            var handed = result.Output[0];
            var secrets = handed.Properties["Secret"]?.Value is SecureString seed ? new[] { seed } : (SecureString[])handed.Property("RecoveryCodes")!;
            Assert.NotEmpty(secrets);
            Assert.All(secrets, s => Assert.NotEmpty(Secure.ToPlain(s)));
            Assert.Empty(result.AllErrors);
        }
        else
        {
            Assert.NotEmpty(result.AllErrors);
            Assert.Equal(before, StoreSnapshot.Take(session));
        }

        Assert.True(cmdlet != "Register-KeyAdminAuthenticator" || result.Output.Count == 0, "Register warns before the change, so Stop stops it before a seed exists.");
    }

    private static AccountHandle TakeOver(ModuleSession session)
    {
        var reset = session.Run("Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost' -Confirm:$false").Single();
        var attacker = new AccountHandle("desk", Secure.ToPlain(reset.Property("Secret")));
        session.Run("Confirm-KeyAdminAuthenticator -Account desk -Code $args[0]", attacker.NextCode()).ThrowOnError();
        return attacker;
    }

    private static AccountHandle RegisterJob(ModuleSession session, AccountHandle desk) => new("desk", Secure.ToPlain(session.Run(
        "Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0] -WarningAction SilentlyContinue", desk.NextCode()).Single().Property("Secret")));

    private static (string KeyId, SecureString Secret) NewWithdrawKey(ModuleSession session, AccountHandle desk)
    {
        var key = session.Run("New-ApiKey -Account desk -Name withdrawer -Permission Withdraw -IpAddress 203.0.113.7 -Code $args[0] -WarningAction SilentlyContinue", desk.NextCode()).Single();
        return (key.Text("KeyId")!, (SecureString)key.Property("Secret")!);
    }
}
