using System.Security;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin;

/// <summary>
/// An authenticator enrolment, handed over once: the seed and the otpauth:// URI as SecureStrings, and a person's
/// recovery codes as SecureStrings too. No property holds any of them as text, and none holds the QR code: the
/// cmdlet draws that on the host (an interactive session, or -ShowQrCode), never into the pipeline.
/// </summary>
public sealed class KeyAdminEnrollment
{
    internal KeyAdminEnrollment(Enrollment enrollment)
    {
        Account = enrollment.Account;
        Authenticator = enrollment.Authenticator;
        Kind = enrollment.Kind.ToString();
        Status = enrollment.Status.ToString();
        Scope = AuthenticatorInfo.ScopeOf(enrollment.Kind, enrollment.Scope);
        OtpAuthUri = enrollment.OtpAuthUri;
        Secret = enrollment.Secret;
        RecoveryCodes = enrollment.RecoveryCodes.ToArray();
        CoolingOffUntil = enrollment.CoolingOffUntil;
        var who = Account == StoreAdministrator.AccountName ? "-StoreAdministrator" : $"-Account {Account}";
        NextStep = enrollment.Status == AuthenticatorStatus.Pending
            ? $"Scan the QR code with an authenticator app, then run: Confirm-KeyAdminAuthenticator {who} -Code <code>" +
              (RecoveryCodes.Length > 0 ? ". Keep the recovery codes apart from the phone: each replaces a lost authenticator once." : string.Empty) +
              (CoolingOffUntil is { } until ? $" The reset cools off until {until:u}." : string.Empty)
            : "Store Secret in the job's vault; the job passes -Code (Get-Secret <name> -Vault <vault> | Get-KeyAdminTotpCode).";
    }

    /// <summary>The account, or (store) for the store administrator.</summary>
    public string Account { get; }

    public string Authenticator { get; }

    /// <summary>Primary (a person's) or Automation (a job's).</summary>
    public string Kind { get; }

    /// <summary>Pending until confirmed; Active for a job's, which needs no confirmation.</summary>
    public string Status { get; }

    /// <summary>What the authenticator may confirm: an automation authenticator's scope, or All for a person's.</summary>
    public TextList Scope { get; }

    /// <summary>The otpauth:// URI, which contains the seed.</summary>
    public SecureString OtpAuthUri { get; }

    /// <summary>The base32 seed, for manual entry or for an automation job's vault.</summary>
    public SecureString Secret { get; }

    /// <summary>A person's one-time recovery codes (empty for automation authenticators and resets).</summary>
    public SecureString[] RecoveryCodes { get; }

    /// <summary>Set when a reset without a recovery code started this enrolment: the end of its cooling-off.</summary>
    public DateTimeOffset? CoolingOffUntil { get; }

    public string NextStep { get; }
}
