namespace KeyAdmin.Core.Compliance;

/// <summary>The problems a scheduled audit looks for. Names are stable: scripts select and filter by them.</summary>
public enum ComplianceRule
{
    /// <summary>Withdraw or Transfer without an IP binding (High).</summary>
    UnboundSensitive,

    /// <summary>Trade without an IP binding (Medium).</summary>
    UnboundTrade,

    /// <summary>A read-only key without an IP binding (Low).</summary>
    Unbound,

    /// <summary>Not used for N days (Medium; default 90).</summary>
    Unused,

    /// <summary>Older than the rotation age (Medium; default 90 days).</summary>
    RotationDue,

    /// <summary>Expires within N days (Low; default 14).</summary>
    ExpiringSoon,

    /// <summary>Disabled or expired, but not deleted, for N days (Low; default 30).</summary>
    NotDeleted,

    /// <summary>The account holds as many keys as it may (Low).</summary>
    AccountAtLimit,

    /// <summary>A rotation stopped part way (Medium): Resume-ApiKeyRotation completes or undoes it.</summary>
    UnfinishedRotation,

    /// <summary>A key's vault entry is gone or holds another key (High): the applications read nothing that works.</summary>
    VaultEntryMissing,

    /// <summary>A vault entry whose key is gone or retired (Medium): a stale credential lying in the vault.</summary>
    VaultEntryOrphaned,

    /// <summary>
    /// A row of the store fails its integrity check (High): it was changed, set back or planted by someone who wrote
    /// the database without the key-encryption key. KeyAdmin refuses to use it.
    /// </summary>
    StoreTampered,

    /// <summary>
    /// A reset of an account's (or the store administrator's) authenticator cools off (High): if nobody in the team
    /// started it, someone is taking the account over, and the replaced authenticator can still cancel it.
    /// </summary>
    RecoveryPending,
}

public enum ComplianceSeverity
{
    Low = 1,
    Medium = 2,
    High = 3,
}
