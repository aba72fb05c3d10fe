using System.Management.Automation;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Cmdlets;

/// <summary>The one place where core refusals become PowerShell error records.</summary>
internal static class ErrorMap
{
    public static ErrorRecord ToErrorRecord(KeyAdminException e, object? fallbackTarget = null)
    {
        var record = new ErrorRecord(e, e.ErrorId, Category(e.Error), e.Target ?? fallbackTarget);
        var advice = Advice(e.Error);
        if (advice is not null)
        {
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = advice };
        }

        return record;
    }

    /// <summary>A confirmation prompt that a non-interactive session cannot show (see KeyAdminCmdlet.ShouldChange).</summary>
    public static ErrorRecord ConfirmationRequired(string command, string target, bool hasForce)
    {
        var pass = hasForce ? "-Force (or -Confirm:$false)" : "-Confirm:$false";
        return new ErrorRecord(
            new PSInvalidOperationException($"{command} asks for confirmation before it changes '{target}', and this session cannot prompt: pass {pass} to go ahead without asking."),
            "KeyAdmin.ConfirmationRequired",
            ErrorCategory.InvalidOperation,
            target)
        {
            ErrorDetails = new ErrorDetails($"{command} asks for confirmation before it changes '{target}', and this session cannot prompt.") { RecommendedAction = $"Pass {pass} in scripts and scheduled jobs." },
        };
    }

    public static ErrorCategory Category(KeyAdminError error) => error switch
    {
        KeyAdminError.InvalidName or KeyAdminError.InvalidEmail or KeyAdminError.InvalidMemo or
        KeyAdminError.InvalidIpAddress or KeyAdminError.InvalidExpiry or KeyAdminError.ExpiryInPast or
        KeyAdminError.InvalidPolicy or KeyAdminError.TwoFactorCodeMalformed or KeyAdminError.InvalidPassphrase or
        KeyAdminError.InvalidKeyVersion => ErrorCategory.InvalidArgument,
        KeyAdminError.TooManyIpAddresses or KeyAdminError.KeyLimitReached => ErrorCategory.LimitsExceeded,
        KeyAdminError.AccountNotFound or KeyAdminError.KeyNotFound or KeyAdminError.AuthenticatorNotFound => ErrorCategory.ObjectNotFound,
        KeyAdminError.AccountExists or KeyAdminError.KeyNameExists or KeyAdminError.AuthenticatorExists => ErrorCategory.ResourceExists,
        KeyAdminError.AccountHasKeys or KeyAdminError.KeyNotDisabled or KeyAdminError.KeyDeleted or KeyAdminError.KeyExpired or
        KeyAdminError.AuthenticatorNotPending or KeyAdminError.TwoFactorNotEnrolled => ErrorCategory.InvalidOperation,
        KeyAdminError.PermissionsImmutable or KeyAdminError.UnboundSensitivePermission => ErrorCategory.PermissionDenied,
        KeyAdminError.TwoFactorCodeRequired => ErrorCategory.AuthenticationError,
        KeyAdminError.TwoFactorCodeInvalid or KeyAdminError.TwoFactorCodeReplayed => ErrorCategory.AuthenticationError,
        KeyAdminError.TwoFactorLockedOut => ErrorCategory.SecurityError,
        KeyAdminError.StoreUnavailable or KeyAdminError.AuditWriteFailed => ErrorCategory.ResourceUnavailable,
        KeyAdminError.StoreCorrupt or KeyAdminError.StoreSchemaTooNew => ErrorCategory.InvalidData,
        KeyAdminError.StoreNotFound => ErrorCategory.ObjectNotFound,
        KeyAdminError.KeyEncryptionKeyMissing or KeyAdminError.KeyEncryptionKeyMismatch => ErrorCategory.SecurityError,
        KeyAdminError.ComplianceFailed => ErrorCategory.InvalidResult,
        KeyAdminError.AuditChainBroken or KeyAdminError.StoreTampered or KeyAdminError.StoreFileUnsafe => ErrorCategory.SecurityError,
        KeyAdminError.StoreReadOnly => ErrorCategory.InvalidOperation,
        KeyAdminError.InvalidAuditHead => ErrorCategory.InvalidArgument,
        KeyAdminError.SecretManagementMissing => ErrorCategory.NotInstalled,
        KeyAdminError.VaultNotFound or KeyAdminError.RotationNotFound => ErrorCategory.ObjectNotFound,
        KeyAdminError.VaultUnavailable => ErrorCategory.ResourceUnavailable,
        KeyAdminError.VaultReadBackMismatch => ErrorCategory.InvalidResult,
        KeyAdminError.VaultEntryInUse => ErrorCategory.ResourceExists,
        KeyAdminError.DeliveryMissing or KeyAdminError.RotationInProgress or KeyAdminError.RotationNotPossible => ErrorCategory.InvalidOperation,
        KeyAdminError.RotationTestFailed => ErrorCategory.InvalidResult,
        KeyAdminError.TwoFactorScopeDenied or KeyAdminError.AuthenticatorSuspended or KeyAdminError.RecoveryPending => ErrorCategory.PermissionDenied,
        KeyAdminError.RecoveryCodeInvalid => ErrorCategory.AuthenticationError,
        KeyAdminError.RecoveryNotPending or KeyAdminError.StoreAdministratorNotEnrolled => ErrorCategory.InvalidOperation,
        KeyAdminError.StoreAdministratorExists => ErrorCategory.ResourceExists,
        _ => ErrorCategory.NotSpecified,
    };

    private static string? Advice(KeyAdminError error) => error switch
    {
        KeyAdminError.TwoFactorCodeRequired =>
            "Pass -Code with the current code of the account's authenticator. A scheduled job computes it from its automation authenticator's seed: -Code (Get-Secret <seed> -Vault <vault> | Get-KeyAdminTotpCode).",
        KeyAdminError.TwoFactorLockedOut => "Wait until the lockout ends; Get-KeyAdminAccount shows LockedUntil.",
        KeyAdminError.KeyLimitReached => "Remove a disabled key (Remove-ApiKey) or raise the limit with Set-KeyAdminPolicy -MaxKeysPerAccount.",
        KeyAdminError.PermissionsImmutable => "Create a key with the permissions you need (New-ApiKey) and disable this one.",
        KeyAdminError.KeyNotDisabled => "Disable the key first: Disable-ApiKey.",
        KeyAdminError.TwoFactorNotEnrolled => "Confirm the enrolment: Confirm-KeyAdminAuthenticator -Account <name> -Code <code>.",
        KeyAdminError.StoreSchemaTooNew => "Install the newer KeyAdmin module that wrote this store.",
        KeyAdminError.StoreNotFound => "Check the path (Get-KeyAdminStore shows which store this session uses and why). A new store is created by Connect-KeyAdminStore -Create, or by the first New-KeyAdminStoreAdministrator or New-KeyAdminAccount.",
        KeyAdminError.StoreTampered =>
            "The store was changed outside KeyAdmin. Keep a copy as evidence, run Test-ApiKeyAuditLog (with -ExpectedHead from your last scheduled audit) and Test-ApiKeyCompliance, and restore a backup you trust; see docs/SECURITY.md.",
        KeyAdminError.StoreFileUnsafe => "Make the file a regular file of your own that only you can open (chmod 600; no links), or point KeyAdmin at one that is.",
        KeyAdminError.SecretManagementMissing => "Install-Module Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore; then Register-SecretVault.",
        KeyAdminError.RotationInProgress => "Resume-ApiKeyRotation -RotationId <id> completes it (or -Undo); Get-ApiKeyRotation -Unfinished lists them.",
        KeyAdminError.TwoFactorScopeDenied => "Confirm with a code of the person's authenticator; Get-KeyAdminAuthenticator shows each authenticator's Scope.",
        KeyAdminError.AuthenticatorSuspended => "A person confirms the job's authenticator again: Confirm-KeyAdminAuthenticator -Account <name> -Name <job> -Code <person's code>.",
        KeyAdminError.RecoveryPending => "Wait for the cooling-off to end (Get-KeyAdminAccount shows RecoveryPendingUntil), reset with -RecoveryCode, or cancel the reset: Stop-KeyAdminAuthenticatorReset -Code <code of the replaced authenticator>.",
        KeyAdminError.StoreAdministratorNotEnrolled => "Enrol the store administrator: New-KeyAdminStoreAdministrator -Email <address>, then Confirm-KeyAdminAuthenticator -StoreAdministrator -Code <code>.",
        _ => null,
    };
}
