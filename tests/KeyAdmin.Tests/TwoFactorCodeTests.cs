using System.Management.Automation;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>R12: a code is six digits, valid now, accepted once; wrong codes are counted and lock the account.</summary>
public sealed class TwoFactorCodeTests
{
    [Fact]
    public void New_WithMalformedCode_RefusesWithTwoFactorCodeMalformed()
    {
        using var session = new ModuleSession();
        session.NewConfirmedAccount();
        var before = StoreSnapshot.Take(session);

        var error = session.Run("New-ApiKey -Account desk -Name bot-a -Code 12ab56").OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeMalformed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void New_WithWrongCode_RefusesWithTwoFactorCodeInvalid()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var before = StoreSnapshot.Take(session);

        var error = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.WrongCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void New_WithACodeAlreadyUsed_RefusesWithTwoFactorCodeReplayed()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.NextCode()).ThrowOnError();
        var before = StoreSnapshot.Take(session);

        var error = session.Run("New-ApiKey -Account desk -Name bot-b -Code $args[0]", desk.LastCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeReplayed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void New_WithAnOlderCodeThanTheLastUsed_RefusesWithTwoFactorCodeReplayed()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var older = desk.NextCode();
        session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.NextCode()).ThrowOnError();

        var error = session.Run("New-ApiKey -Account desk -Name bot-b -Code $args[0]", older).OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeReplayed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(new[] { "bot-a" }, session.KeyNames("desk"));
    }

    [Fact]
    public void FiveWrongCodes_LockTheAccount_SoThatEvenTheRightCodeIsRefused()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.WrongCode()).OnlyError().FullyQualifiedErrorId);
        }

        Assert.All(ids.Take(4), id => Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", id, StringComparison.Ordinal));
        Assert.StartsWith("KeyAdmin.TwoFactorLockedOut,", ids[4], StringComparison.Ordinal);

        var locked = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.NextCode()).OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorLockedOut,", locked.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.SecurityError, locked.CategoryInfo.Category);
        Assert.Contains("LockedUntil", locked.ErrorDetails?.RecommendedAction ?? string.Empty, StringComparison.Ordinal);
        Assert.Empty(session.KeyNames("desk"));
        var lockedUntil = (DateTimeOffset)session.Run("Get-KeyAdminAccount -Name desk").Single().Property("LockedUntil")!;
        Assert.InRange(lockedUntil, DateTimeOffset.UtcNow.AddMinutes(14), DateTimeOffset.UtcNow.AddMinutes(16));
    }

    [Fact]
    public void WrongCodes_AreCountedPerAccount_NotAcrossAccounts()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount("desk");
        var ops = session.NewConfirmedAccount("ops");
        for (var i = 0; i < 5; i++)
        {
            session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.WrongCode());
        }

        session.Run("New-ApiKey -Account ops -Name bot-a -Code $args[0]", ops.NextCode()).ThrowOnError();

        Assert.Null(session.Run("Get-KeyAdminAccount -Name ops").Single().Property("LockedUntil"));
        Assert.NotNull(session.Run("Get-KeyAdminAccount -Name desk").Single().Property("LockedUntil"));
    }

    [Fact]
    public void New_BeforeTheEnrolmentIsConfirmed_RefusesWithTwoFactorNotEnrolled()
    {
        using var session = new ModuleSession();
        var desk = session.NewPendingAccount("desk");
        var before = StoreSnapshot.Take(session);

        var error = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.NextCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorNotEnrolled,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("Confirm-KeyAdminAuthenticator", error.ErrorDetails?.RecommendedAction ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void Confirm_WithWrongCode_LeavesTheEnrolmentPending()
    {
        using var session = new ModuleSession();
        var desk = session.NewPendingAccount("desk");

        var error = session.Run("Confirm-KeyAdminAuthenticator -Account desk -Code $args[0]", desk.WrongCode()).OnlyError();

        Assert.StartsWith("KeyAdmin.TwoFactorCodeInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal("Pending", session.Run("Get-KeyAdminAccount -Name desk").Single().Text("TwoFactor"));
        Assert.Equal("Pending", session.Run("Get-KeyAdminAuthenticator -Account desk").Single().Text("Status"));
    }
}
