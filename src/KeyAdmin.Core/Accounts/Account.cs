namespace KeyAdmin.Core.Accounts;

/// <summary>An account that owns API keys and the authenticators that confirm its sensitive operations.</summary>
public sealed record Account
{
    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required string Email { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>Overrides the store's key limit for this account; null follows the policy.</summary>
    public int? KeyLimit { get; init; }

    /// <summary>Consecutive refused codes since the last accepted one (R12).</summary>
    public int FailedCodeCount { get; init; }

    public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>Withdraw requests of this account's keys must carry an authenticator code (R12).</summary>
    public bool RequireWithdrawalCode { get; init; }

    /// <summary>When a reset without a recovery code started (null when none is pending).</summary>
    public DateTimeOffset? RecoveryStartedAt { get; init; }

    /// <summary>
    /// When that reset's cooling-off ends: until then the new authenticator cannot confirm what would take the
    /// account over, and the replaced one can cancel the reset.
    /// </summary>
    public DateTimeOffset? RecoveryUntil { get; init; }

    /// <summary>True for the store administrator, the holder of the factor for store-wide settings.</summary>
    public bool IsStoreAdministrator => Name == StoreAdministrator.AccountName;

    /// <summary>"account 'desk'", or "the store administrator": how messages name whose factor is asked for.</summary>
    public string Describe() => StoreAdministrator.Describe(Name);

    public bool IsLockedAt(DateTimeOffset now) => LockedUntil is { } until && until > now;

    public bool IsRecoveringAt(DateTimeOffset now) => RecoveryUntil is { } until && until > now;
}
