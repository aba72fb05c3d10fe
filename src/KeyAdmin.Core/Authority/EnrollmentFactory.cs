using System.Security.Cryptography;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>Creates an authenticator with a fresh seed, sealed in the store and handed over once.</summary>
internal static class EnrollmentFactory
{
    public static Enrollment Enrol(IStoreWriter tx, Operations ops, Account account, string name, AuthenticatorKind kind, AuthenticatorStatus status)
    {
        var authenticator = new Authenticator
        {
            AuthenticatorId = Guid.NewGuid().ToString("N"),
            AccountId = account.AccountId,
            Name = name,
            Kind = kind,
            Status = status,
            CreatedAt = ops.Now,
            CreatedBy = ops.Actor.ToString(),
            ConfirmedAt = status == AuthenticatorStatus.Active ? ops.Now : null,
        };

        var seed = Totp.NewSeed();
        try
        {
            tx.InsertAuthenticator(authenticator, ops.Store.Secrets.Seal(seed, SealIdentity.Authenticator(authenticator.AuthenticatorId)));
            var uri = Totp.OtpAuthUri(account.Name, name, seed);
            return new Enrollment
            {
                Account = account.Name,
                Authenticator = name,
                Kind = kind,
                Status = status,
                OtpAuthUri = Totp.ToSecureString(uri),
                Secret = Totp.ToSecureString(Totp.ToBase32(seed)),
                QrCode = kind == AuthenticatorKind.Primary ? QrCodeText.Render(uri) : string.Empty,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }
}
