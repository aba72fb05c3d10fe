using System.Management.Automation;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Every bad input gets its own error id, the right category and the offending value as target, and leaves
/// the store exactly as it was.
/// </summary>
public sealed class BadInputTests
{
    private const string UnknownKeyId = "kak_0000000000000000000000000000";

    public static TheoryData<string> UnknownAccountCommands() => new()
    {
        "New-ApiKey -Account ghost -Name bot-a -Code $args[0]",
        "Get-ApiKey -Account ghost",
        "Get-KeyAdminAccount -Name ghost",
        "Get-KeyAdminAuthenticator -Account ghost",
        "Disable-ApiKey -Account ghost -Name bot-a -Confirm:$false",
        "Remove-KeyAdminAccount -Name ghost -Confirm:$false",
        "Register-KeyAdminAuthenticator -Account ghost -Name job -Code $args[0]",
    };

    [Theory]
    [MemberData(nameof(UnknownAccountCommands))]
    public void UnknownAccount_IsRefusedWithAccountNotFound(string script)
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse(script, "KeyAdmin.AccountNotFound", ErrorCategory.ObjectNotFound, fixture.Desk.NextCode());

        Assert.Equal("ghost", error.TargetObject);
    }

    public static TheoryData<string> UnknownKeyCommands() => new()
    {
        "Get-ApiKey -KeyId $args[1]",
        "Disable-ApiKey -KeyId $args[1] -Confirm:$false",
        "Enable-ApiKey -KeyId $args[1] -Code $args[0]",
        "Remove-ApiKey -KeyId $args[1] -Code $args[0] -Confirm:$false",
        "Set-ApiKey -KeyId $args[1] -Memo 'new memo'",
        "Disable-ApiKey -Account desk -Name missing -Confirm:$false",
    };

    [Theory]
    [MemberData(nameof(UnknownKeyCommands))]
    public void UnknownKey_IsRefusedWithKeyNotFound(string script)
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse(script, "KeyAdmin.KeyNotFound", ErrorCategory.ObjectNotFound, fixture.Desk.NextCode(), UnknownKeyId);

        Assert.Contains(error.TargetObject, new object[] { UnknownKeyId, "missing" });
    }

    [Fact]
    public void New_WithANameTheAccountAlreadyUses_IsRefusedWithKeyNameExists()
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("New-ApiKey -Account desk -Name BOT-A -Code $args[0]", "KeyAdmin.KeyNameExists", ErrorCategory.ResourceExists, fixture.Desk.NextCode());

        Assert.Equal("BOT-A", error.TargetObject);
    }

    [Fact]
    public void Set_RenameToANameTheAccountAlreadyUses_IsRefusedWithKeyNameExists()
    {
        using var fixture = new Fixture();

        fixture.Refuse("Set-ApiKey -Account desk -Name bot-b -NewName bot-a", "KeyAdmin.KeyNameExists", ErrorCategory.ResourceExists);
    }

    [Fact]
    public void NewAccount_WithATakenName_IsRefusedWithAccountExists()
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("New-KeyAdminAccount -Name desk -Email other@example.com", "KeyAdmin.AccountExists", ErrorCategory.ResourceExists);

        Assert.Equal("desk", error.TargetObject);
    }

    [Fact]
    public void NewAccount_WithABadEmail_IsRefusedWithInvalidEmail()
    {
        using var fixture = new Fixture();

        fixture.Refuse("New-KeyAdminAccount -Name ops -Email 'not an address'", "KeyAdmin.InvalidEmail", ErrorCategory.InvalidArgument);
    }

    [Theory]
    [InlineData("300.1.1.1")]
    [InlineData("10.0.0.1/24")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.1")]
    [InlineData("bot.example.com")]
    public void New_WithAnAddressThatDoesNotParse_IsRefusedWithInvalidIpAddress(string address)
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("New-ApiKey -Account desk -Name bot-c -IpAddress $args[1] -Code $args[0]", "KeyAdmin.InvalidIpAddress", ErrorCategory.InvalidArgument, fixture.Desk.NextCode(), address);

        Assert.Equal(address, error.TargetObject);
    }

    [Theory]
    [InlineData("300.1.1.1")]
    [InlineData("10.0.0.1/24")]
    public void Set_AddingAnAddressThatDoesNotParse_IsRefusedWithInvalidIpAddress(string address)
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("Set-ApiKey -Account desk -Name bot-a -AddIpAddress $args[1] -Code $args[0]", "KeyAdmin.InvalidIpAddress", ErrorCategory.InvalidArgument, fixture.Desk.NextCode(), address);

        Assert.Equal(address, error.TargetObject);
    }

    [Fact]
    public void New_With21Addresses_IsRefusedWithTooManyIpAddresses_And20AreAccepted()
    {
        using var fixture = new Fixture(keys: false);
        var addresses = Enumerable.Range(1, 21).Select(i => $"203.0.113.{i}").ToArray();

        fixture.Refuse("New-ApiKey -Account desk -Name bot-a -IpAddress $args[1] -Code $args[0]", "KeyAdmin.TooManyIpAddresses", ErrorCategory.LimitsExceeded, fixture.Desk.NextCode(), addresses);
        var created = fixture.Session.Run("New-ApiKey -Account desk -Name bot-a -IpAddress $args[1] -Code $args[0]", fixture.Desk.NextCode(), addresses[..20]).Single();

        Assert.Equal(20, ((System.Collections.Generic.IReadOnlyCollection<string>)created.Property("IpAddresses")!).Count);
    }

    [Fact]
    public void Set_AddingA21stAddress_IsRefusedWithTooManyIpAddresses()
    {
        using var fixture = new Fixture(keys: false);
        fixture.Session.Run(
            "New-ApiKey -Account desk -Name bot-a -IpAddress $args[1] -Code $args[0]",
            fixture.Desk.NextCode(),
            Enumerable.Range(1, 20).Select(i => $"203.0.113.{i}").ToArray()).ThrowOnError();

        fixture.Refuse("Set-ApiKey -Account desk -Name bot-a -AddIpAddress 198.51.100.1 -Code $args[0]", "KeyAdmin.TooManyIpAddresses", ErrorCategory.LimitsExceeded, fixture.Desk.NextCode());
    }

    [Fact]
    public void New_ExpiringInThePast_IsRefusedWithExpiryInPast()
    {
        using var fixture = new Fixture();

        fixture.Refuse("New-ApiKey -Account desk -Name bot-c -ExpiresAt $args[1] -Code $args[0]", "KeyAdmin.ExpiryInPast", ErrorCategory.InvalidArgument, fixture.Desk.NextCode(), DateTimeOffset.UtcNow.AddDays(-1));
    }

    [Fact]
    public void New_ExpiresInADayCountNotOffered_IsAParameterValidationError()
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("New-ApiKey -Account desk -Name bot-c -ExpiresIn 45 -Code $args[0]", "ParameterArgumentValidationError", ErrorCategory.InvalidData, fixture.Desk.NextCode());

        Assert.EndsWith(",KeyAdmin.Cmdlets.Keys.NewApiKeyCommand", error.FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_AnEnabledKey_IsRefusedWithKeyNotDisabled()
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("Remove-ApiKey -Account desk -Name bot-a -Code $args[0] -Confirm:$false", "KeyAdmin.KeyNotDisabled", ErrorCategory.InvalidOperation, fixture.Desk.NextCode());

        Assert.Contains("Disable-ApiKey", error.ErrorDetails?.RecommendedAction ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_Permission_IsRefusedWithPermissionsImmutable()
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("Set-ApiKey -Account desk -Name bot-a -Permission Withdraw -Code $args[0]", "KeyAdmin.PermissionsImmutable", ErrorCategory.PermissionDenied, fixture.Desk.NextCode());

        Assert.Contains("New-ApiKey", error.ErrorDetails?.RecommendedAction ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("Read", fixture.Session.Run("Get-ApiKey -Account desk -Name bot-a").Single().Text("Permissions"));
    }

    [Theory]
    [InlineData("Withdraw")]
    [InlineData("Transfer")]
    public void New_SensitivePermissionWithoutAnAddress_IsRefusedWithUnboundSensitivePermission(string permission)
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("New-ApiKey -Account desk -Name vault -Permission $args[1] -Code $args[0]", "KeyAdmin.UnboundSensitivePermission", ErrorCategory.PermissionDenied, fixture.Desk.NextCode(), permission);

        Assert.Contains("-AllowUnboundSensitive", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void New_WithdrawWithAllowUnboundSensitive_IsAcceptedAndMarked()
    {
        using var fixture = new Fixture(keys: false);

        var created = fixture.Session.Run("New-ApiKey -Account desk -Name vault -Permission Withdraw -AllowUnboundSensitive -Code $args[0]", fixture.Desk.NextCode()).Single();

        Assert.Equal("Read, Withdraw", created.Text("Permissions"));
        Assert.True((bool)created.Property("UnboundSensitiveAllowed")!);
        Assert.True((bool)fixture.Session.Run("Get-ApiKey -Account desk -Name vault").Single().Property("UnboundSensitiveAllowed")!);
    }

    [Fact]
    public void New_WithdrawBoundToAnAddress_IsAcceptedWithoutOverride()
    {
        using var fixture = new Fixture(keys: false);

        var created = fixture.Session.Run("New-ApiKey -Account desk -Name vault -Permission Withdraw -IpAddress 203.0.113.7 -Code $args[0]", fixture.Desk.NextCode()).Single();

        Assert.False((bool)created.Property("UnboundSensitiveAllowed")!);
    }

    [Fact]
    public void Set_RemovingTheLastAddressOfAWithdrawKey_IsRefusedWithUnboundSensitivePermission()
    {
        using var fixture = new Fixture(keys: false);
        fixture.Session.Run("New-ApiKey -Account desk -Name vault -Permission Withdraw -IpAddress 203.0.113.7 -Code $args[0]", fixture.Desk.NextCode()).ThrowOnError();

        fixture.Refuse("Set-ApiKey -Account desk -Name vault -RemoveIpAddress 203.0.113.7 -Code $args[0]", "KeyAdmin.UnboundSensitivePermission", ErrorCategory.PermissionDenied, fixture.Desk.NextCode());
    }

    [Fact]
    public void RemoveAccount_ThatHoldsKeys_IsRefusedWithAccountHasKeys()
    {
        using var fixture = new Fixture();

        var error = fixture.Refuse("Remove-KeyAdminAccount -Name desk -Confirm:$false", "KeyAdmin.AccountHasKeys", ErrorCategory.InvalidOperation);

        Assert.Equal("desk", error.TargetObject);
    }

    /// <summary>A session with the account desk (confirmed) and, unless told otherwise, its keys bot-a and bot-b.</summary>
    private sealed class Fixture : IDisposable
    {
        public Fixture(bool keys = true)
        {
            Session = new ModuleSession();
            Desk = Session.NewConfirmedAccount();
            if (keys)
            {
                Session.NewKeys(Desk, "bot-a", "bot-b");
            }
        }

        public ModuleSession Session { get; }

        public AccountHandle Desk { get; }

        /// <summary>Runs a command that must fail with one error of <paramref name="errorId"/>, changing nothing.</summary>
        public ErrorRecord Refuse(string script, string errorId, ErrorCategory category, params object?[] args)
        {
            var before = StoreSnapshot.Take(Session);

            var result = Session.Run(script, args);

            var error = result.OnlyError();
            Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(category, error.CategoryInfo.Category);
            Assert.Empty(result.Output);
            Assert.Equal(before, StoreSnapshot.Take(Session));
            return error;
        }

        public void Dispose() => Session.Dispose();
    }
}
