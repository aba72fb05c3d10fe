using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// Who may confirm one sensitive operation: a person's authenticator (and an automation authenticator whose scope
/// covers it), a pending enrolment with its own code, or the authenticator a reset is replacing (to cancel it). Also
/// whether the operation is refused while a reset cools off, and which failure counter a wrong code counts on.
/// </summary>
internal sealed record TwoFactorRequirement
{
    private const ApiKeyPermission TakeoverPermissions = ApiKeyPermission.Trade | ApiKeyPermission.Transfer | ApiKeyPermission.Withdraw;

    /// <summary>The audit action of the operation, and of its refusals.</summary>
    public required string Action { get; init; }

    /// <summary>What an automation authenticator's scope must hold to confirm it; null when only a person may.</summary>
    public AutomationScope? Automation { get; init; }

    /// <summary>
    /// Refused while a reset without a recovery code cools off: what would let whoever started the reset take the
    /// account (or the store) over before its owner notices.
    /// </summary>
    public bool RefusedWhileRecovering { get; init; }

    /// <summary>Only this pending enrolment confirms, with a code of its own (Confirm-KeyAdminAuthenticator).</summary>
    public string? PendingAuthenticatorId { get; init; }

    /// <summary>Only the authenticator a pending reset is replacing confirms (Stop-KeyAdminAuthenticatorReset).</summary>
    public bool ReplacedAuthenticatorOnly { get; init; }

    /// <summary>
    /// A code sent with a withdrawal request of this key: a wrong one counts on the key's own counter and locks only
    /// the key's withdrawals, never the account's administrators.
    /// </summary>
    public string? WithdrawalKeyId { get; init; }

    /// <summary>Only a person's authenticator; <paramref name="takesOver"/> when a pending reset must not allow it.</summary>
    public static TwoFactorRequirement Person(string action, bool takesOver = true) =>
        new() { Action = action, RefusedWhileRecovering = takesOver };

    /// <summary>
    /// An operation on a key with <paramref name="permissions"/> that a job whose scope holds <paramref name="scope"/>
    /// may confirm; on a key that grants Transfer or Withdraw only rotation and removal are left to jobs.
    /// </summary>
    public static TwoFactorRequirement KeyOperation(string action, AutomationScope scope, ApiKeyPermission permissions, bool takesOver)
    {
        var jobsMay = !permissions.IsSensitive() || scope is AutomationScope.RotateKey or AutomationScope.RemoveKey;
        return new() { Action = action, Automation = jobsMay ? scope : null, RefusedWhileRecovering = takesOver };
    }

    /// <summary>Creating (or rotating) a key: only a read-only key may be created while a reset cools off.</summary>
    public static bool TakesOver(ApiKeyPermission permissions) => (permissions & TakeoverPermissions) != 0;

    public static TwoFactorRequirement Enrolment(string authenticatorId) =>
        new() { Action = "Authenticator.Confirm", PendingAuthenticatorId = authenticatorId };

    public static TwoFactorRequirement CancelReset() =>
        new() { Action = "Authenticator.ResetCancel", ReplacedAuthenticatorOnly = true };

    public static TwoFactorRequirement Withdrawal(string keyId) =>
        new() { Action = "Verification.Withdraw", RefusedWhileRecovering = true, WithdrawalKeyId = keyId };
}
