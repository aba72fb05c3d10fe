using System.Security;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// The one moment an authenticator's seed is handed over, and with a person's first authenticator its recovery
/// codes: all as SecureStrings, never as text. A QR code is drawn from <see cref="OtpAuthUri"/> by whoever shows it
/// to a person (the module draws it on the host); nothing carries it as a string.
/// </summary>
public sealed record Enrollment
{
    public required string Account { get; init; }

    public required string Authenticator { get; init; }

    public required AuthenticatorKind Kind { get; init; }

    public required AuthenticatorStatus Status { get; init; }

    /// <summary>The otpauth:// URI, which contains the seed.</summary>
    public required SecureString OtpAuthUri { get; init; }

    /// <summary>The base32 seed, for manual entry or for an automation job's vault.</summary>
    public required SecureString Secret { get; init; }

    /// <summary>Recovery codes issued with this enrolment (a person's first authenticator); empty otherwise.</summary>
    public IReadOnlyList<SecureString> RecoveryCodes { get; init; } = Array.Empty<SecureString>();

    /// <summary>What an automation authenticator may confirm.</summary>
    public AutomationScope Scope { get; init; }

    /// <summary>When a reset without a recovery code started this enrolment: the end of its cooling-off.</summary>
    public DateTimeOffset? CoolingOffUntil { get; init; }
}
