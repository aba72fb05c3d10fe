using KeyAdmin.Core.Keys;

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

    /// <summary>A signing header is absent or empty.</summary>
    MissingHeader,

    /// <summary>The passphrase does not match, or the key's scheme needs one that was not sent (or the reverse).</summary>
    BadPassphrase,

    /// <summary>KC-API-KEY-VERSION names a version the key does not accept (or no version at all).</summary>
    KeyVersionNotAccepted,

    /// <summary>
    /// The key holds as many unexpired replay-protected requests as its share of the store's replay memory:
    /// the key's own requests wait until some expire, and no other key's entry is ever forgotten for it.
    /// </summary>
    ReplayLimitReached,
}

/// <summary>The answer a service gets: accepted, or a precise refusal. Never carries the secret or the passphrase.</summary>
public sealed record VerificationResult(VerificationReason Reason, string? KeyId, string? Account, string Message)
{
    public bool Accepted => Reason == VerificationReason.Accepted;

    /// <summary>The key's permissions when the request was accepted (what a service turns into claims).</summary>
    public ApiKeyPermission? Permissions { get; init; }

    /// <summary>The code KuCoin's API answers with for this outcome ("200000" when accepted, 4000xx otherwise).</summary>
    public string KuCoinCode => KuCoinCodes.For(Reason).Code;

    /// <summary>The HTTP status a service answers with: 200, 400, 401, 403 or 429.</summary>
    public int HttpStatus => KuCoinCodes.For(Reason).HttpStatus;
}
