namespace KeyAdmin.Core.Verification;

/// <summary>Why a request was refused, or that it was accepted. New reasons may be added; none is renamed.</summary>
public enum VerificationReason
{
    Accepted,
    Malformed,
    UnknownKey,
    BadSignature,
    StaleTimestamp,
    Disabled,
    Expired,
    Replayed,
    AddressNotAllowed,
    PermissionMissing,
    TwoFactorRequired,
    TwoFactorInvalid,
    TwoFactorLockedOut,

    /// <summary>The key's row (or its account's) fails its integrity check: it was changed outside KeyAdmin.</summary>
    StoreTampered,
}

/// <summary>The answer a service gets: accepted, or a precise refusal. Never carries the secret.</summary>
public sealed record VerificationResult(VerificationReason Reason, string? KeyId, string? Account, string Message)
{
    public bool Accepted => Reason == VerificationReason.Accepted;
}
