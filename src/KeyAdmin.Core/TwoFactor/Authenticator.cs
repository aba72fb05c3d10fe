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
}
