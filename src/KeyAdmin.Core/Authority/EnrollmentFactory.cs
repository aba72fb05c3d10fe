using System.Security.Cryptography;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>Creates an authenticator with a fresh seed, sealed in the store and handed over once.</summary>
internal static class EnrollmentFactory
{
    /// <summary>
    /// Creates the authenticator and hands its seed over once. A person's authenticator is not limited by a scope; it
    /// carries the default, as every authenticator of a store from before scopes does, so that their seals agree.
    /// </summary>
    public static Enrollment Enrol(IStoreWriter tx, Operations ops, Account account, string name, AuthenticatorKind kind, AuthenticatorStatus status, AutomationScope scope = AutomationScopes.Default)
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
            Scope = scope,
        };

        var seed = Totp.NewSeed();
        try
        {
            tx.InsertAuthenticator(authenticator, ops.Store.Secrets.Seal(seed, SealIdentity.Authenticator(authenticator.AuthenticatorId)));
            return new Enrollment
            {
                Account = account.Name,
                Authenticator = name,
                Kind = kind,
                Status = status,
                OtpAuthUri = Totp.ToSecureString(Totp.OtpAuthUri(account.Name, name, seed)),
                Secret = Totp.ToSecureString(Totp.ToBase32(seed)),
                Scope = scope,
                CoolingOffUntil = account.RecoveryUntil,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Replaces the person's recovery codes with ten new ones, stored as hashes; the codes are returned once.</summary>
    public static IReadOnlyList<System.Security.SecureString> IssueRecoveryCodes(IStoreWriter tx, Operations ops, Account account)
    {
        tx.DeleteRecoveryCodes(account.AccountId);
        var (codes, hashes) = ops.RecoveryCodes.Issue(account.AccountId, ops.Now);
        foreach (var hash in hashes)
        {
            tx.InsertRecoveryCode(hash);
        }

        return codes;
    }
}
