using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>Get-ApiKeyAuditLog, Test-ApiKeyAuditLog and Test-ApiKeyCompliance as a scheduled audit script uses them.</summary>
public sealed class AuditAndComplianceTests
{
    [Fact]
    public void GetApiKeyAuditLog_ShowsTheLifeOfAKey_NewestFirstOrOldestFirst_AndFilters()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run("""
            $k = New-ApiKey -Account desk -Name bot -Permission Trade -IpAddress 203.0.113.7 -Code $args[0] -WarningAction SilentlyContinue
            Disable-ApiKey -KeyId $k.KeyId -Reason 'leaked' -Confirm:$false
            """, desk.NextCode()).ThrowOnError();

        var newest = session.Run("Get-ApiKeyAuditLog -Account desk").ThrowOnError().Output;
        var oldest = session.Run("Get-ApiKeyAuditLog -Oldest").ThrowOnError().Output;
        var keyActions = session.Run("Get-ApiKeyAuditLog -Action ApiKey.* -Oldest | ForEach-Object Action").ThrowOnError().Output.Select(o => o.ToString());
        var last = session.Run("Get-ApiKeyAuditLog -Last 1").Single();

        Assert.Equal(new[] { "ApiKey.Create", "ApiKey.Disable" }, keyActions);
        Assert.Equal("ApiKey.Disable", newest[0].Text("Action"));
        Assert.Equal("leaked", newest[0].Text("Reason"));
        Assert.Equal("Store.Create", oldest[0].Text("Action"));
        Assert.Equal("Account.Create", oldest[1].Text("Action"));
        Assert.Equal(Environment.UserName, newest[0].Text("Actor"));
        Assert.Equal("ApiKey.Disable", last.Text("Action"));
        Assert.Equal(newest.Count + 1, oldest.Count); // the store's own creation record names no account
    }

    [Fact]
    public void GetApiKeyAuditLog_RecordsRefusedCodes_WithoutTheCode()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var wrong = desk.WrongCode();
        session.Run("New-ApiKey -Account desk -Name bot -Code $args[0]", wrong);

        var refused = session.Run("Get-ApiKeyAuditLog -Outcome Refused").Single();

        Assert.Equal("ApiKey.Create", refused.Text("Action"));
        Assert.Equal("TwoFactorCodeInvalid", refused.Text("Reason"));
        Assert.DoesNotContain(refused.Properties, p => p.Value?.ToString()?.Contains(wrong, StringComparison.Ordinal) == true);
    }

    [Fact]
    public void TestApiKeyAuditLog_IntactChain_ReportsIntact_AndATamperedOne_ErrorsWithTheRecord()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run("New-ApiKey -Account desk -Name bot -Code $args[0] -WarningAction SilentlyContinue", desk.NextCode()).ThrowOnError();

        var intact = session.Run("Test-ApiKeyAuditLog").Single();
        Assert.True((bool)intact.Property("IsIntact")!);

        RawStore.Execute(session.StorePath, "UPDATE audit SET actor = 'someone-else' WHERE seq = 2");

        var broken = session.Run("Test-ApiKeyAuditLog");
        Assert.False((bool)Assert.Single(broken.Output).Property("IsIntact")!);
        Assert.Equal(2L, broken.Output[0].Property("FirstBrokenSequence"));
        Assert.StartsWith("KeyAdmin.AuditChainBroken,", broken.ErrorId(), StringComparison.Ordinal);
    }

    [Fact]
    public void TestApiKeyCompliance_FailOnHigh_EmitsEveryFindingThenTerminates()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run("""
            [pscustomobject]@{ Account = 'desk'; Name = 'withdrawer'; Permission = 'Withdraw' },
            [pscustomobject]@{ Account = 'desk'; Name = 'reader'; Permission = 'Read' } |
                New-ApiKey -AllowUnboundSensitive -Code $args[0] -WarningAction SilentlyContinue | Out-Null
            """, desk.NextCode()).ThrowOnError();
        var created = session.Run("(Get-ApiKey -Account desk).Count").Single();
        Assert.Equal(2, (int)created.BaseObject);

        var result = session.Run("Test-ApiKeyCompliance -FailOn High");

        Assert.Equal(new[] { "UnboundSensitive", "Unbound" }, result.Output.Select(f => f.Text("Rule")).OrderDescending());
        Assert.StartsWith("KeyAdmin.ComplianceFailed,", result.ErrorId(), StringComparison.Ordinal);
        var passing = session.Run("Test-ApiKeyCompliance -Rule Unbound -FailOn High");
        Assert.Null(passing.Terminating);
        Assert.Single(passing.Output);
    }
}
