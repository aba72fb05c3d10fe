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

    /// <summary>A row, the audit head or the row index fails its integrity check: changed outside KeyAdmin.</summary>
    StoreTampered,

    /// <summary>A store or key file is a link, not the current user's, or open to others.</summary>
    StoreFileUnsafe,

    /// <summary>An -ExpectedHead that is not "sequence,hash".</summary>
    InvalidAuditHead,

    /// <summary>A store opened only to read was asked to change.</summary>
    StoreReadOnly,

    /// <summary>A passphrase that is not 7 to 32 printable ASCII characters without spaces.</summary>
    InvalidPassphrase,

    /// <summary>Key versions for a key without a passphrase, or other than 1, 2 and 3.</summary>
    InvalidKeyVersion,

    /// <summary>A command that does not create a store found none where the session points; it never creates one.</summary>
    StoreNotFound,

    /// <summary>An automation authenticator's code for something its scope does not cover (never counted as a wrong code).</summary>
    TwoFactorScopeDenied,

    /// <summary>An automation authenticator suspended by a reset of its person's authenticator, until a person confirms it again.</summary>
    AuthenticatorSuspended,

    /// <summary>Refused while a reset without a recovery code cools off.</summary>
    RecoveryPending,

    /// <summary>Stop-KeyAdminAuthenticatorReset with no reset pending.</summary>
    RecoveryNotPending,

    /// <summary>A recovery code that is not one of the person's unused codes.</summary>
    RecoveryCodeInvalid,

    /// <summary>A store-wide setting, with no store administrator enrolled to confirm it.</summary>
    StoreAdministratorNotEnrolled,

    /// <summary>The store already has its store administrator.</summary>
    StoreAdministratorExists,
}
