using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// -WhatIf on every state-changing cmdlet: nothing changes, no code is asked for or spent. Each case also runs
/// the same command for real afterwards (with the very code the -WhatIf run was given), which proves that the
/// command does change something and that -WhatIf left its code unspent.
/// </summary>
public sealed class WhatIfTests
{
    /// <summary>
    /// {0} becomes -WhatIf, then the real run's switch. Arguments: $args[0] a fresh code of desk's primary
    /// authenticator, $args[1] a code of the pending account newbie, $args[2] the path of another store, $args[3] a
    /// code of the store administrator (enrolled only for the commands that use it).
    /// </summary>
    public static TheoryData<string, string> Commands() => new()
    {
        { "New-KeyAdminAccount", "New-KeyAdminAccount -Name fresh -Email fresh@example.com {0}" },
        { "Remove-KeyAdminAccount", "Remove-KeyAdminAccount -Name newbie {0}" },
        { "Confirm-KeyAdminAuthenticator", "Confirm-KeyAdminAuthenticator -Account newbie -Code $args[1] {0}" },
        { "Reset-KeyAdminAuthenticator", "Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost' {0}" },
        { "Register-KeyAdminAuthenticator", "Register-KeyAdminAuthenticator -Account desk -Name backup-job -Code $args[0] {0}" },
        { "Unregister-KeyAdminAuthenticator", "Unregister-KeyAdminAuthenticator -Account desk -Name rotation-job {0}" },
        { "New-ApiKey", "New-ApiKey -Account desk -Name bot-new -Permission Trade -Code $args[0] {0}" },
        { "Set-ApiKey", "Set-ApiKey -Account desk -Name bot-a -NewName bot-renamed -Memo 'changed' -AddIpAddress 203.0.113.7 -Code $args[0] {0}" },
        { "Disable-ApiKey", "Disable-ApiKey -Account desk -Name bot-a {0}" },
        { "Enable-ApiKey", "Enable-ApiKey -Account desk -Name bot-old -Code $args[0] {0}" },
        { "Remove-ApiKey", "Remove-ApiKey -Account desk -Name bot-old -Code $args[0] {0}" },
        { "Set-KeyAdminPolicy", "Set-KeyAdminPolicy -MaxKeysPerAccount 2 -MaxFailedCodes 3 -Code $args[3] {0}" },
        { "Stop-KeyAdminAuthenticatorReset", "Stop-KeyAdminAuthenticatorReset -Account desk -Code $args[0] {0}" },
        { "New-KeyAdminRecoveryCode", "New-KeyAdminRecoveryCode -Account desk -Code $args[0] {0}" },
        { "New-KeyAdminStoreAdministrator", "New-KeyAdminStoreAdministrator -Email security@example.com {0}" },
        { "Connect-KeyAdminStore", "Connect-KeyAdminStore -Path $args[2] -Create {0}" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void WhatIf_ChangesNothing_AndLeavesItsCodeUnspent(string cmdlet, string script)
    {
        using var session = new ModuleSession();
        var (desk, newbie) = Arrange(session, registerJob: cmdlet == "Unregister-KeyAdminAuthenticator");
        var otherStore = Path.Combine(session.Directory, "other", "keyadmin.db");
        var administrator = script.Contains("$args[3]", StringComparison.Ordinal) ? session.NewStoreAdministrator() : null;
        if (cmdlet == "Stop-KeyAdminAuthenticatorReset")
        {
            session.Run("Reset-KeyAdminAuthenticator -Account desk -Reason 'claimed lost' -Confirm:$false").ThrowOnError();
        }

        var args = new object?[]
        {
            script.Contains("$args[0]", StringComparison.Ordinal) ? desk.NextCode() : null,
            script.Contains("$args[1]", StringComparison.Ordinal) ? newbie.NextCode() : null,
            otherStore,
            administrator?.NextCode(),
        };
        var before = StoreSnapshot.Take(session);

        var whatIf = session.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, script, "-WhatIf"), args);

        whatIf.ThrowOnError();
        Assert.Empty(whatIf.Output);
        Assert.Equal(before, StoreSnapshot.Take(session));
        Assert.False(File.Exists(otherStore), "-WhatIf created the other store.");

        var real = session.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, script, "-Confirm:$false"), args);

        real.ThrowOnError();
        Assert.NotEqual(before, StoreSnapshot.Take(session));
    }

    public static TheoryData<string> CodeNeedingCommands() => new()
    {
        "New-ApiKey -Account desk -Name bot-new -WhatIf",
        "Set-ApiKey -Account desk -Name bot-a -AddIpAddress 203.0.113.7 -WhatIf",
        "Enable-ApiKey -Account desk -Name bot-old -WhatIf",
        "Remove-ApiKey -Account desk -Name bot-old -WhatIf",
        "Register-KeyAdminAuthenticator -Account desk -Name backup-job -WhatIf",
        "New-KeyAdminRecoveryCode -Account desk -WhatIf",
        "Unregister-KeyAdminAuthenticator -Account desk -Name primary -WhatIf",
        "Remove-KeyAdminAccount -Name desk -WhatIf",
    };

    /// <summary>In a session that cannot prompt, a missing -Code would fail at once; -WhatIf must not get that far.</summary>
    [Theory]
    [MemberData(nameof(CodeNeedingCommands))]
    public void WhatIf_WithoutCode_InANonInteractiveSession_NeedsNoCode(string script)
    {
        using var session = new ModuleSession();
        Arrange(session, registerJob: false);
        var before = StoreSnapshot.Take(session);

        var result = session.Run(script);

        result.ThrowOnError();
        Assert.Empty(result.Output);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    /// <summary>
    /// desk (active, keys bot-a enabled and bot-old disabled, optionally the automation authenticator
    /// rotation-job) and newbie (enrolment pending). Spends two of desk's codes, three with the job.
    /// </summary>
    private static (AccountHandle Desk, AccountHandle Newbie) Arrange(ModuleSession session, bool registerJob)
    {
        var desk = session.NewConfirmedAccount("desk");
        var keys = session.NewKeys(desk, "bot-a", "bot-old");
        session.Disable(keys[1].Text("KeyId")!);
        if (registerJob)
        {
            session.Run("Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code $args[0]", desk.NextCode()).ThrowOnError();
        }

        var newbie = session.NewPendingAccount("newbie");
        return (desk, newbie);
    }
}
