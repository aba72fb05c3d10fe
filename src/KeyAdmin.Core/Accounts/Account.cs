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

    public bool IsLockedAt(DateTimeOffset now) => LockedUntil is { } until && until > now;
}
