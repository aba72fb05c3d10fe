using KeyAdmin.Core.Errors;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// Authenticators of an account: the person's primary one (confirmed after enrolment, re-enrolled when lost)
/// and automation authenticators for unattended jobs, which only a primary code can register.
/// </summary>
public sealed class AuthenticatorService
{
    private readonly Operations ops;

    internal AuthenticatorService(Operations ops) => this.ops = ops;

    public IReadOnlyList<Authenticator> List(string accountName) => ops.Store.Read(reader =>
        reader.ListAuthenticators(Operations.RequireAccount(reader, accountName).AccountId));

    /// <summary>Activates a pending enrolment with a code from the new authenticator itself.</summary>
    public Authenticator Confirm(string accountName, string? authenticatorName, TwoFactorProof proof)
    {
        var pending = ops.Store.Read(reader =>
        {
            var account = Operations.RequireAccount(reader, accountName);
            var candidates = reader.ListAuthenticators(account.AccountId).Where(a => a.Status == AuthenticatorStatus.Pending).ToList();
            var match = authenticatorName is null
                ? candidates.FirstOrDefault()
                : candidates.FirstOrDefault(a => string.Equals(a.Name, authenticatorName, StringComparison.OrdinalIgnoreCase));
            return match ?? throw new KeyAdminException(
                KeyAdminError.AuthenticatorNotPending,
                $"Account '{accountName}' has no pending enrolment{(authenticatorName is null ? string.Empty : $" named '{authenticatorName}'")} to confirm.",
                authenticatorName ?? accountName);
        });

        return ops.Confirmed(
            accountName,
            proof,
            TwoFactorGate.Scope.Pending(pending.AuthenticatorId),
            "Authenticator.Confirm",
            pending.Name,
            (_, _) => { },
            (tx, account, _) =>
            {
                var current = tx.ListAuthenticators(account.AccountId).Single(a => a.AuthenticatorId == pending.AuthenticatorId);
                var confirmed = current with { Status = AuthenticatorStatus.Active, ConfirmedAt = ops.Now };
                tx.UpdateAuthenticator(confirmed);
                tx.Append(ops.Audit("Authenticator.Confirm", account.Name, null, pending.Name, confirmedBy: pending.Name, detail: $"Kind={pending.Kind}"));
                return confirmed;
            });
    }

    /// <summary>
    /// Replaces a lost primary authenticator: the old one stops working at once and a new enrolment is pending.
    /// Needs no code (the phone is gone) but a reason, and is audited as such.
    /// </summary>
    public Enrollment Reset(string accountName, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new KeyAdminException(KeyAdminError.InvalidMemo, "Resetting an authenticator needs a reason for the audit log.", accountName);
        }

        return ops.Store.Write(tx =>
        {
            var account = Operations.RequireAccount(tx, accountName);
            foreach (var old in tx.ListAuthenticators(account.AccountId).Where(a => a.Kind == AuthenticatorKind.Primary && a.Status != AuthenticatorStatus.Revoked))
            {
                tx.UpdateAuthenticator(old with { Status = AuthenticatorStatus.Revoked, RevokedAt = ops.Now });
            }

            var enrollment = EnrollmentFactory.Enrol(tx, ops, account, AuthenticatorNames.Primary, AuthenticatorKind.Primary, AuthenticatorStatus.Pending);
            tx.Append(ops.Audit("Authenticator.Reset", account.Name, null, AuthenticatorNames.Primary, reason: reason));
            return enrollment;
        });
    }

    /// <summary>Registers an automation authenticator, confirmed by a code of the account's primary authenticator.</summary>
    public Enrollment Register(string accountName, string name, TwoFactorProof proof)
    {
        AuthenticatorNames.Check(name);
        if (string.Equals(name, AuthenticatorNames.Primary, StringComparison.OrdinalIgnoreCase))
        {
            throw new KeyAdminException(KeyAdminError.InvalidName, $"'{AuthenticatorNames.Primary}' is the name of the person's authenticator; choose another name.", name);
        }

        void Precheck(Storage.IStoreReader reader, Accounts.Account account)
        {
            if (reader.ListAuthenticators(account.AccountId).Any(a => a.Status != AuthenticatorStatus.Revoked && string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new KeyAdminException(KeyAdminError.AuthenticatorExists, $"Account '{account.Name}' already has an authenticator named '{name}'.", name);
            }
        }

        return ops.Confirmed(
            accountName,
            proof,
            TwoFactorGate.Scope.PrimaryOnly,
            "Authenticator.Register",
            name,
            Precheck,
            (tx, account, confirmedBy) =>
            {
                var enrollment = EnrollmentFactory.Enrol(tx, ops, account, name, AuthenticatorKind.Automation, AuthenticatorStatus.Active);
                tx.Append(ops.Audit("Authenticator.Register", account.Name, null, name, confirmedBy: confirmedBy, detail: "Kind=Automation"));
                return enrollment;
            });
    }

    /// <summary>Revokes an authenticator at once; its seed is destroyed.</summary>
    public Authenticator Revoke(string accountName, string name) => ops.Store.Write(tx =>
    {
        var account = Operations.RequireAccount(tx, accountName);
        var authenticator = tx.ListAuthenticators(account.AccountId)
            .FirstOrDefault(a => a.Status != AuthenticatorStatus.Revoked && string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyAdminException(KeyAdminError.AuthenticatorNotFound, $"Account '{account.Name}' has no authenticator named '{name}'.", name);
        var revoked = authenticator with { Status = AuthenticatorStatus.Revoked, RevokedAt = ops.Now };
        tx.UpdateAuthenticator(revoked);
        tx.Append(ops.Audit("Authenticator.Revoke", account.Name, null, authenticator.Name, detail: $"Kind={authenticator.Kind}"));
        return revoked;
    });
}
