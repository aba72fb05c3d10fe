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
        KeyAdminError.StoreTampered =>
            "The store was changed outside KeyAdmin. Keep a copy as evidence, run Test-ApiKeyAuditLog (with -ExpectedHead from your last scheduled audit) and Test-ApiKeyCompliance, and restore a backup you trust; see docs/SECURITY.md.",
        KeyAdminError.StoreFileUnsafe => "Make the file a regular file of your own that only you can open (chmod 600; no links), or point KeyAdmin at one that is.",
        KeyAdminError.SecretManagementMissing => "Install-Module Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore; then Register-SecretVault.",
        KeyAdminError.RotationInProgress => "Resume-ApiKeyRotation -RotationId <id> completes it (or -Undo); Get-ApiKeyRotation -Unfinished lists them.",
        _ => null,
    };
}
