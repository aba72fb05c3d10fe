using System.Security;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// The one moment an authenticator's seed is handed over: as a QR code for a phone, or as the base32 seed
/// (a SecureString) for a job's vault. Nothing shows it again.
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

    /// <summary>The otpauth URI as a QR code drawn with Unicode half blocks, scannable from a terminal.</summary>
    public required string QrCode { get; init; }
}
