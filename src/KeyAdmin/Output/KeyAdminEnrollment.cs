using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin;

/// <summary>
/// An authenticator enrolment, shown once: a QR code to scan with a phone, or the seed (a SecureString unless
/// -AsPlainText) for an automation job's vault.
/// </summary>
public sealed class KeyAdminEnrollment
{
    internal KeyAdminEnrollment(Enrollment enrollment, bool asPlainText)
    {
        Account = enrollment.Account;
        Authenticator = enrollment.Authenticator;
        Kind = enrollment.Kind.ToString();
        Status = enrollment.Status.ToString();
        QrCode = enrollment.QrCode;
        OtpAuthUri = asPlainText ? Cmdlets.SecureText.ToPlain(enrollment.OtpAuthUri) : enrollment.OtpAuthUri;
        Secret = asPlainText ? Cmdlets.SecureText.ToPlain(enrollment.Secret) : enrollment.Secret;
        NextStep = enrollment.Status == AuthenticatorStatus.Pending
            ? $"Scan the QR code with an authenticator app, then run: Confirm-KeyAdminAuthenticator -Account {Account} -Code <code>"
            : $"Store Secret in the job's vault; the job passes -Code (Get-Secret <name> -Vault <vault> | Get-KeyAdminTotpCode).";
    }

    public string Account { get; }

    public string Authenticator { get; }

    public string Kind { get; }

    public string Status { get; }

    /// <summary>The otpauth:// URI as a terminal QR code (empty for automation authenticators).</summary>
    public string QrCode { get; }

    /// <summary>The otpauth:// URI: a SecureString unless -AsPlainText.</summary>
    public object OtpAuthUri { get; }

    /// <summary>The base32 seed: a SecureString unless -AsPlainText.</summary>
    public object Secret { get; }

    public string NextStep { get; }
}
