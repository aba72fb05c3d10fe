using System.Management.Automation;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>The whole life of an account and its keys, as an administrator runs it at the prompt.</summary>
public sealed class KeyLifecycleTests
{
    [Fact]
    public void WholeLife_AccountToFiveKeysToLimitToBindDisableRemove_FollowsTheRules()
    {
        using var session = new ModuleSession();

        // An account starts with a pending authenticator that a phone scans.
        var enrollment = session.Run("New-KeyAdminAccount -Name desk -Email desk@example.com").Single();
        Assert.Equal("desk", enrollment.Text("Account"));
        Assert.Equal("Pending", enrollment.Text("Status"));
        Assert.Equal("Primary", enrollment.Text("Kind"));
        Assert.IsType<System.Security.SecureString>(enrollment.Property("Secret"));
        Assert.Null(enrollment.Properties["QrCode"]);
        Assert.Equal(10, ((System.Security.SecureString[])enrollment.Property("RecoveryCodes")!).Length);
        Assert.Equal("Pending", Account(session).Text("TwoFactor"));
        var desk = new AccountHandle("desk", Secure.ToPlain(enrollment.Property("Secret")));

        // R12: the enrolment becomes active with a code computed from its seed.
        var confirmed = session.Run("Confirm-KeyAdminAuthenticator -Account desk -Code $args[0] -PassThru", desk.NextCode()).Single();
        Assert.Equal("Active", confirmed.Text("Status"));
        Assert.Equal("Active", Account(session).Text("TwoFactor"));

        // R1, R3, R5, R7: five keys in one command (one code confirms the command), each with its own scope and memo.
        var created = session.Run(
            """
            1..5 | ForEach-Object {
                [pscustomobject]@{ Account = 'desk'; Name = "bot-$_"; Permission = 'Trade'; IpAddress = "203.0.113.$_"; Memo = "Bot Trading – Server $_" }
            } | New-ApiKey -Code $args[0]
            """,
            desk.NextCode()).ThrowOnError();
        Assert.Equal(5, created.Output.Count);
        Assert.Single(created.Warnings); // before the first key is created, once for the command
        Assert.All(created.Output, k => Assert.Equal("Read, Trade", k.Text("Permissions")));
        Assert.Equal(new[] { "203.0.113.1" }, ((IEnumerable<string>)created.Output[0].Property("IpAddresses")!).ToArray());
        Assert.Equal("Bot Trading – Server 1", created.Output[0].Text("Memo"));
        Assert.Equal(5, Account(session).Property("KeyCount"));

        // R4: the sixth key is refused, and nothing is created.
        var before = StoreSnapshot.Take(session);
        var sixth = session.Run("New-ApiKey -Account desk -Name bot-6 -Code $args[0]", desk.NextCode());
        var limit = sixth.OnlyError();
        Assert.StartsWith("KeyAdmin.KeyLimitReached,", limit.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.LimitsExceeded, limit.CategoryInfo.Category);
        Assert.Empty(sixth.Output);
        Assert.Equal(before, StoreSnapshot.Take(session));

        // R5: a binding grows later, with a code. The refused creation above never reached the code check,
        // so its code is still unspent (a change that cannot happen costs no code).
        var bound = session.Run(
            "Set-ApiKey -Account desk -Name bot-1 -AddIpAddress 198.51.100.0/24 -Code $args[0] -PassThru",
            desk.LastCode()).Single();
        Assert.Equal(new[] { "203.0.113.1", "198.51.100.0/24" }, ((IEnumerable<string>)bound.Property("IpAddresses")!).ToArray());

        // R9: disabling needs no code and says why.
        var disabled = session.Run("Disable-ApiKey -Account desk -Name bot-1 -Reason 'rotated' -Confirm:$false -PassThru").Single();
        Assert.Equal("Disabled", disabled.Text("Status"));
        Assert.Equal("rotated", disabled.Text("DisabledReason"));
        Assert.NotNull(disabled.Property("DisabledAt"));
        var keyId = disabled.Text("KeyId")!;

        // R10: deleting a disabled key needs a code, and the key leaves the listing for good.
        session.Run("Remove-ApiKey -Account desk -Name bot-1 -Code $args[0] -Confirm:$false", desk.NextCode()).ThrowOnError();
        Assert.Equal(new[] { "bot-2", "bot-3", "bot-4", "bot-5" }, session.KeyNames("desk"));
        var deleted = session.Run("Get-ApiKey -Account desk -Status Deleted").Single();
        Assert.Equal(keyId, deleted.Text("KeyId"));
        Assert.NotNull(deleted.Property("DeletedAt"));
        Assert.Equal(4, Account(session).Property("KeyCount"));

        // An account with keys cannot go.
        before = StoreSnapshot.Take(session);
        var refused = session.Run("Remove-KeyAdminAccount -Name desk -Confirm:$false").OnlyError();
        Assert.StartsWith("KeyAdmin.AccountHasKeys,", refused.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));

        // Once every key is disabled and deleted, it can.
        session.Run("Get-ApiKey -Account desk | Disable-ApiKey -Confirm:$false").ThrowOnError();
        session.Run("Get-ApiKey -Account desk | Remove-ApiKey -Code $args[0] -Confirm:$false", desk.NextCode()).ThrowOnError();
        Assert.Empty(session.Run("Get-ApiKey -Account desk").ThrowOnError().Output);
        session.Run("Remove-KeyAdminAccount -Name desk -Code $args[0] -Confirm:$false", desk.NextCode()).ThrowOnError();
        Assert.Empty(session.Run("Get-KeyAdminAccount").ThrowOnError().Output);
        Assert.StartsWith("KeyAdmin.AccountNotFound,", session.Run("Get-KeyAdminAccount -Name desk").OnlyError().FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_ListsStatusPermissionsCreationBindingExpiryAndMemo()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        session.Run(
            "New-ApiKey -Account desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7, 2001:db8::/32 -Memo 'Server A' -ExpiresIn 90 -Code $args[0]",
            desk.NextCode()).ThrowOnError();
        var key = session.Run("Get-ApiKey -Account desk -Name bot-a").Single();

        Assert.Equal("Enabled", key.Text("Status"));
        Assert.Equal("Read, Trade", key.Text("Permissions"));
        Assert.Equal(new[] { "203.0.113.7", "2001:db8::/32" }, ((IEnumerable<string>)key.Property("IpAddresses")!).ToArray());
        Assert.Equal("Server A", key.Text("Memo"));
        Assert.False(string.IsNullOrEmpty(key.Text("CreatedBy")));
        var createdAt = (DateTimeOffset)key.Property("CreatedAt")!;
        Assert.InRange(createdAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        var expiresAt = (DateTimeOffset)key.Property("ExpiresAt")!;
        Assert.InRange(expiresAt - createdAt, TimeSpan.FromDays(90) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(90) + TimeSpan.FromMinutes(1));
        Assert.Null(key.Property("LastUsedAt"));
        Assert.False((bool)key.Property("UnboundSensitiveAllowed")!);
    }

    [Fact]
    public void Enable_ADisabledKeyWithACode_MakesItEnabledAgain()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keyId = session.NewKeys(desk, "bot-a")[0].Text("KeyId")!;
        session.Disable(keyId);

        var enabled = session.Run("Enable-ApiKey -KeyId $args[0] -Code $args[1] -PassThru", keyId, desk.NextCode()).Single();

        Assert.Equal("Enabled", enabled.Text("Status"));
        Assert.Null(enabled.Property("DisabledAt"));
        Assert.Equal("Enabled", session.Statuses("desk")["bot-a"]);
    }

    [Fact]
    public void Set_RenameAndMemo_NeedNoCodeAndKeepTheKeyId()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keyId = session.NewKeys(desk, "bot-a")[0].Text("KeyId")!;

        var renamed = session.Run("Set-ApiKey -KeyId $args[0] -NewName bot-renamed -Memo 'moved to server B' -PassThru", keyId).Single();

        Assert.Equal(keyId, renamed.Text("KeyId"));
        Assert.Equal("bot-renamed", renamed.Text("Name"));
        Assert.Equal("moved to server B", renamed.Text("Memo"));
        Assert.Equal(new[] { "bot-renamed" }, session.KeyNames("desk"));
    }

    private static PSObject Account(ModuleSession session) => session.Run("Get-KeyAdminAccount -Name desk").Single();
}
