using KeyAdmin.Core.Accounts;

namespace KeyAdmin;

/// <summary>An account as Get-KeyAdminAccount shows it.</summary>
public sealed class AccountInfo
{
    internal AccountInfo(AccountSummary summary, DateTimeOffset now)
    {
        Name = summary.Account.Name;
        Email = summary.Account.Email;
        KeyCount = summary.KeyCount;
        KeyLimit = summary.KeyLimit;
        TwoFactor = summary.Account.IsRecoveringAt(now) ? "Recovering" : summary.TwoFactorActive ? "Active" : "Pending";
        LockedUntil = summary.Account.IsLockedAt(now) ? summary.Account.LockedUntil : null;
        RecoveryPendingUntil = summary.Account.IsRecoveringAt(now) ? summary.Account.RecoveryUntil : null;
        RecoveryCodesLeft = summary.RecoveryCodesLeft;
        RequireWithdrawalCode = summary.Account.RequireWithdrawalCode;
        CreatedAt = summary.Account.CreatedAt;
        CreatedBy = summary.Account.CreatedBy;
    }

    public string Name { get; }

    /// <summary>The account's name again, so that Get-KeyAdminAccount's objects bind -Account of the key, audit and compliance cmdlets.</summary>
    public string Account => Name;

    public string Email { get; }

    /// <summary>Keys that count against the limit: enabled, disabled and expired.</summary>
    public int KeyCount { get; }

    public int KeyLimit { get; }

    /// <summary>Active once an authenticator has been confirmed; Pending until then; Recovering while a reset cools off.</summary>
    public string TwoFactor { get; }

    /// <summary>Set while sensitive operations are locked after repeated wrong codes.</summary>
    public DateTimeOffset? LockedUntil { get; }

    /// <summary>Set while a reset without a recovery code cools off: the time it ends.</summary>
    public DateTimeOffset? RecoveryPendingUntil { get; }

    /// <summary>Unused recovery codes (New-KeyAdminRecoveryCode issues ten new ones).</summary>
    public int RecoveryCodesLeft { get; }

    /// <summary>Withdraw requests of this account's keys must carry an authenticator code.</summary>
    public bool RequireWithdrawalCode { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public override string ToString() => Name;
}
