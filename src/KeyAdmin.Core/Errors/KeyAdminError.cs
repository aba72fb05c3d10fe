namespace KeyAdmin.Core.Errors;

/// <summary>
/// Every refusal the core can give. The name is the stable part of the PowerShell error id
/// (<c>KeyAdmin.&lt;Name&gt;</c>): scripts match on it, so a name never changes once released.
/// </summary>
public enum KeyAdminError
{
    InvalidName,
    InvalidEmail,
    InvalidMemo,
    InvalidIpAddress,
    TooManyIpAddresses,
    InvalidExpiry,
    ExpiryInPast,
    InvalidPolicy,
    AccountNotFound,
    AccountExists,
    AccountHasKeys,
    KeyNotFound,
    KeyNameExists,
    KeyLimitReached,
    KeyNotDisabled,
    KeyDeleted,
    KeyExpired,
    PermissionsImmutable,
    UnboundSensitivePermission,
    AuthenticatorNotFound,
    AuthenticatorExists,
    AuthenticatorNotPending,
    TwoFactorNotEnrolled,
    TwoFactorCodeRequired,
    TwoFactorCodeMalformed,
    TwoFactorCodeInvalid,
    TwoFactorCodeReplayed,
    TwoFactorLockedOut,
    StoreUnavailable,
    StoreCorrupt,
    StoreSchemaTooNew,
    KeyEncryptionKeyMissing,
    KeyEncryptionKeyMismatch,
    AuditWriteFailed,
    ComplianceFailed,
    SecretManagementMissing,
    VaultNotFound,
    VaultUnavailable,
    VaultReadBackMismatch,
    VaultEntryInUse,
    DeliveryMissing,
    RotationNotFound,
    RotationInProgress,
    RotationNotPossible,
    RotationTestFailed,
    AuditChainBroken,

    /// <summary>A command that only reads found no store where it looked; it never creates one.</summary>
    StoreNotFound,
}
