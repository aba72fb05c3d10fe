namespace KeyAdmin.Core.TwoFactor;

public enum AuthenticatorKind
{
    /// <summary>A person's phone (Google Authenticator and compatible apps).</summary>
    Primary,

    /// <summary>A scheduled job's own authenticator: its seed lives in the job's vault, never on a phone.</summary>
    Automation,
}

public enum AuthenticatorStatus
{
    Pending,
    Active,
    Revoked,

    /// <summary>An automation authenticator after a reset of the person's authenticator, until a person confirms it again.</summary>
    Suspended,

    /// <summary>A person's authenticator that a reset is replacing: during the cooling-off it can only cancel the reset.</summary>
    Replaced,
}

/// <summary>A TOTP authenticator of an account. The seed is stored sealed and never part of this record.</summary>
public sealed record Authenticator
{
    public required string AuthenticatorId { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required AuthenticatorKind Kind { get; init; }

    public required AuthenticatorStatus Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset? ConfirmedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The RFC 6238 time step of the last accepted code; a code must come from a later step (no replay).</summary>
    public long LastUsedStep { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>What an automation authenticator may confirm; a person's authenticator is not limited by it.</summary>
    public AutomationScope Scope { get; init; }

    /// <summary>When a reset suspended this automation authenticator.</summary>
    public DateTimeOffset? SuspendedAt { get; init; }
}
