using System.Security;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// Authenticators of an account (or of the store administrator): the person's primary one, confirmed after
/// enrolment and replaced by a reset when it is lost, and automation authenticators for unattended jobs, which only
/// a person's code registers, each with a scope.
/// </summary>
public sealed class AuthenticatorService
{
    private readonly Operations ops;

    internal AuthenticatorService(Operations ops) => this.ops = ops;

    /// <summary>The authenticators of an account, or of the store administrator (<see cref="StoreAdministrator.AccountName"/>).</summary>
    public IReadOnlyList<Authenticator> List(string accountName) => ops.Store.Read(reader =>
        reader.ListAuthenticators(Operations.RequireSubject(reader, accountName).AccountId));

    /// <summary>
    /// Activates a pending enrolment with a code from the new authenticator itself, or (with <paramref name="authenticatorName"/>)
    /// an automation authenticator that a reset suspended, with a code of the person's authenticator.
    /// </summary>
    public Authenticator Confirm(string accountName, string? authenticatorName, TwoFactorProof proof)
    {
        var target = ops.Store.Read(reader =>
        {
            var account = Operations.RequireSubject(reader, accountName);
            var authenticators = reader.ListAuthenticators(account.AccountId);
            var pending = authenticators.Where(a => a.Status == AuthenticatorStatus.Pending).ToList();
            var match = authenticatorName is null
                ? pending.FirstOrDefault()
                : authenticators.FirstOrDefault(a => a.Status is AuthenticatorStatus.Pending or AuthenticatorStatus.Suspended &&
                                                     string.Equals(a.Name, authenticatorName, StringComparison.OrdinalIgnoreCase));
            return match ?? throw new KeyAdminException(
                KeyAdminError.AuthenticatorNotPending,
                $"{account.Describe()} has no pending enrolment{(authenticatorName is null ? string.Empty : $" or suspended authenticator named '{authenticatorName}'")} to confirm.",
                authenticatorName ?? accountName);
        });

        if (target.Status == AuthenticatorStatus.Suspended)
        {
            return Resume(accountName, target, proof);
        }

        return ops.Confirmed(
            accountName,
            proof,
            TwoFactorRequirement.Enrolment(target.AuthenticatorId),
            target.Name,
            (_, _) => { },
            (tx, account, _) =>
            {
                var current = tx.ListAuthenticators(account.AccountId).Single(a => a.AuthenticatorId == target.AuthenticatorId);
                var confirmed = current with { Status = AuthenticatorStatus.Active, ConfirmedAt = ops.Now };
                tx.UpdateAuthenticator(confirmed);
                tx.Append(ops.Audit("Authenticator.Confirm", account, target.Name, confirmedBy: target.Name, detail: $"Kind={target.Kind}"));
                return confirmed;
            },
            storeAdministrator: true);
    }

    /// <summary>
    /// Replaces a lost primary authenticator and starts a new enrolment. With one of the person's recovery codes the
    /// old authenticator is revoked at once. Without one, the reset cools off (policy RecoveryCoolingOff, 24 hours):
    /// until it ends the new authenticator cannot confirm what would take the account over, and the replaced one can
    /// cancel the reset. Either way the account's automation authenticators are suspended until a person confirms
    /// them again, and every step is audited with the reason.
    /// </summary>
    public Enrollment Reset(string accountName, string reason, string? recoveryCode = null)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new KeyAdminException(KeyAdminError.InvalidMemo, "Resetting an authenticator needs a reason for the audit log.", accountName);
        }

        if (recoveryCode is not null && !RecoveryCodes.IsWellFormed(recoveryCode))
        {
            throw new KeyAdminException(KeyAdminError.RecoveryCodeInvalid, "A recovery code is ten letters and digits, as xxxxx-xxxxx.", accountName);
        }

        var (enrollment, refusal) = ops.Store.Write(tx =>
        {
            var account = ops.Settle(tx, Operations.RequireSubject(tx, accountName));
            var refused = recoveryCode is null ? RefuseWhileRecovering(tx, account, reason) : SpendRecoveryCode(tx, account, recoveryCode, reason);
            return refused is not null
                ? (null, refused)
                : (StartReset(tx, tx.FindAccountById(account.AccountId)!, reason, recoveryCode is not null), (KeyAdminException?)null);
        });

        return enrollment ?? throw refusal!;
    }

    /// <summary>Cancels a pending reset with a code of the authenticator it was replacing: everything is as before the reset.</summary>
    public Authenticator CancelReset(string accountName, TwoFactorProof proof) => ops.Confirmed(
        accountName,
        proof,
        TwoFactorRequirement.CancelReset(),
        AuthenticatorNames.Primary,
        (_, account) =>
        {
            if (!account.IsRecoveringAt(ops.Now))
            {
                throw new KeyAdminException(KeyAdminError.RecoveryNotPending, $"No reset of the authenticator of {account.Describe()} is pending.", account.Name);
            }
        },
        (tx, account, confirmedBy) =>
        {
            var authenticators = tx.ListAuthenticators(account.AccountId);
            var restored = authenticators.Single(a => a.Status == AuthenticatorStatus.Replaced) with { Status = AuthenticatorStatus.Active };
            var dropped = authenticators.Where(a => a.Kind == AuthenticatorKind.Primary && a.Status is AuthenticatorStatus.Pending or AuthenticatorStatus.Active).ToList();
            var resumed = authenticators.Where(a => a.Status == AuthenticatorStatus.Suspended && a.SuspendedAt >= account.RecoveryStartedAt).ToList();
            foreach (var replacement in dropped)
            {
                tx.UpdateAuthenticator(replacement with { Status = AuthenticatorStatus.Revoked, RevokedAt = ops.Now });
            }

            tx.UpdateAuthenticator(restored);
            foreach (var job in resumed)
            {
                tx.UpdateAuthenticator(job with { Status = AuthenticatorStatus.Active, SuspendedAt = null });
            }

            tx.UpdateAccount(account with { RecoveryStartedAt = null, RecoveryUntil = null });
            tx.Append(ops.Audit("Authenticator.ResetCancel", account, restored.Name, confirmedBy,
                $"Revoked={dropped.Count} new enrolment(s); Resumed={string.Join(",", resumed.Select(a => a.Name))}"));
            return restored;
        },
        storeAdministrator: true);

    /// <summary>Registers an automation authenticator with <paramref name="scope"/>, confirmed by a code of the person's authenticator.</summary>
    public Enrollment Register(string accountName, string name, TwoFactorProof proof, AutomationScope scope = AutomationScopes.Default)
    {
        AuthenticatorNames.Check(name);
        if (string.Equals(name, AuthenticatorNames.Primary, StringComparison.OrdinalIgnoreCase))
        {
            throw new KeyAdminException(KeyAdminError.InvalidName, $"'{AuthenticatorNames.Primary}' is the name of the person's authenticator; choose another name.", name);
        }

        if (scope == AutomationScope.None || (scope & ~AutomationScopes.All) != 0)
        {
            throw new KeyAdminException(KeyAdminError.InvalidPolicy, "An automation authenticator's scope names at least one of: " + string.Join(", ", AutomationScopes.Names(AutomationScopes.All)) + ".", scope.ToString());
        }

        void Precheck(IStoreReader reader, Account account)
        {
            if (reader.ListAuthenticators(account.AccountId).Any(a => a.Status is not AuthenticatorStatus.Revoked && string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new KeyAdminException(KeyAdminError.AuthenticatorExists, $"Account '{account.Name}' already has an authenticator named '{name}'.", name);
            }
        }

        return ops.Confirmed(
            accountName,
            proof,
            TwoFactorRequirement.Person("Authenticator.Register"),
            name,
            Precheck,
            (tx, account, confirmedBy) =>
            {
                var enrollment = EnrollmentFactory.Enrol(tx, ops, account, name, AuthenticatorKind.Automation, AuthenticatorStatus.Active, scope);
                tx.Append(ops.Audit("Authenticator.Register", account, name, confirmedBy, $"Kind=Automation; Scope={scope}"));
                return enrollment;
            });
    }

    /// <summary>
    /// Revokes an authenticator at once; its seed is destroyed. An automation authenticator needs no code (stopping a
    /// job must never wait for a phone); the person's own authenticator needs a code of it.
    /// </summary>
    public Authenticator Revoke(string accountName, string name, TwoFactorProof proof)
    {
        var authenticator = ops.Store.Read(reader =>
        {
            var account = Operations.RequireAccount(reader, accountName);
            return reader.ListAuthenticators(account.AccountId)
                .FirstOrDefault(a => a.Status is not AuthenticatorStatus.Revoked && string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new KeyAdminException(KeyAdminError.AuthenticatorNotFound, $"Account '{account.Name}' has no authenticator named '{name}'.", name);
        });

        Authenticator RevokeIn(IStoreWriter tx, Account account, string? confirmedBy)
        {
            var current = tx.ListAuthenticators(account.AccountId).Single(a => a.AuthenticatorId == authenticator.AuthenticatorId);
            var revoked = current with { Status = AuthenticatorStatus.Revoked, RevokedAt = ops.Now };
            tx.UpdateAuthenticator(revoked);
            tx.Append(ops.Audit("Authenticator.Revoke", account, current.Name, confirmedBy, $"Kind={current.Kind}"));
            return revoked;
        }

        if (authenticator.Kind == AuthenticatorKind.Automation)
        {
            return ops.Store.Write(tx => RevokeIn(tx, Operations.RequireAccount(tx, accountName), null));
        }

        return ops.Confirmed(accountName, proof, TwoFactorRequirement.Person("Authenticator.Revoke"), authenticator.Name, (_, _) => { },
            (tx, account, confirmedBy) => RevokeIn(tx, account, confirmedBy));
    }

    /// <summary>Replaces the person's recovery codes with ten new ones, confirmed by the person's authenticator; shown once.</summary>
    public IReadOnlyList<SecureString> NewRecoveryCodes(string accountName, TwoFactorProof proof) => ops.Confirmed(
        accountName,
        proof,
        TwoFactorRequirement.Person("RecoveryCode.Renew"),
        accountName,
        (_, _) => { },
        (tx, account, confirmedBy) =>
        {
            var before = tx.ListRecoveryCodes(account.AccountId).Count;
            var codes = EnrollmentFactory.IssueRecoveryCodes(tx, ops, account);
            tx.Append(ops.Audit("RecoveryCode.Renew", account, account.Name, confirmedBy, $"Replaced={before}; RecoveryCodes={codes.Count}"));
            return codes;
        },
        storeAdministrator: true);

    /// <summary>A second reset without a recovery code while one cools off is refused (and audited); with a code it supersedes it.</summary>
    private KeyAdminException? RefuseWhileRecovering(IStoreWriter tx, Account account, string reason)
    {
        if (!account.IsRecoveringAt(ops.Now))
        {
            return null;
        }

        tx.Append(ops.Audit("Authenticator.Reset", account, AuthenticatorNames.Primary, reason: reason) with { Outcome = Audit.AuditOutcome.Refused, Detail = "RecoveryPending" });
        return new KeyAdminException(
            KeyAdminError.RecoveryPending,
            $"A reset of the authenticator of {account.Describe()} already cools off until {account.RecoveryUntil:u}: pass -RecoveryCode to replace it at once, or cancel it with the replaced authenticator.",
            account.Name);
    }

    /// <summary>Spends one of the person's recovery codes; a wrong one counts as a wrong code (lockout), and is audited.</summary>
    private KeyAdminException? SpendRecoveryCode(IStoreWriter tx, Account account, string code, string reason)
    {
        if (account.IsLockedAt(ops.Now))
        {
            tx.Append(ops.Audit("Authenticator.Reset", account, AuthenticatorNames.Primary, reason: reason) with { Outcome = Audit.AuditOutcome.Refused, Detail = KeyAdminError.TwoFactorLockedOut.ToString() });
            return new KeyAdminException(KeyAdminError.TwoFactorLockedOut, TwoFactorGate.LockedMessage(account), account.Name);
        }

        var match = ops.RecoveryCodes.Match(account.AccountId, code, tx.ListRecoveryCodes(account.AccountId));
        if (match is not null && tx.DeleteRecoveryCode(match.CodeId))
        {
            if (account.FailedCodeCount != 0)
            {
                tx.UpdateAccount(account with { FailedCodeCount = 0 });
            }

            return null;
        }

        var locked = ops.CountWrongCode(tx, account);
        tx.Append(ops.Audit("Authenticator.Reset", account, AuthenticatorNames.Primary, reason: reason) with { Outcome = Audit.AuditOutcome.Refused, Detail = KeyAdminError.RecoveryCodeInvalid.ToString() });
        return new KeyAdminException(
            locked ? KeyAdminError.TwoFactorLockedOut : KeyAdminError.RecoveryCodeInvalid,
            $"That is not an unused recovery code of {account.Describe()}." + (locked ? $" It is now locked for {tx.ReadPolicy().LockoutDuration.TotalMinutes:0} minutes." : string.Empty),
            account.Name);
    }

    private Enrollment StartReset(IStoreWriter tx, Account account, string reason, bool withRecoveryCode)
    {
        var authenticators = tx.ListAuthenticators(account.AccountId);
        var until = withRecoveryCode ? (DateTimeOffset?)null : ops.Now + tx.ReadPolicy().RecoveryCoolingOff;
        foreach (var old in authenticators.Where(a => a.Kind == AuthenticatorKind.Primary && a.Status != AuthenticatorStatus.Revoked))
        {
            // With a recovery code every earlier person's authenticator goes at once (a cooling-off reset's too);
            // without, the one in use is kept, able only to cancel, until the cooling-off ends.
            var keep = !withRecoveryCode && old.Status == AuthenticatorStatus.Active;
            tx.UpdateAuthenticator(keep ? old with { Status = AuthenticatorStatus.Replaced } : old with { Status = AuthenticatorStatus.Revoked, RevokedAt = ops.Now });
        }

        var suspended = authenticators.Where(a => a.Kind == AuthenticatorKind.Automation && a.Status == AuthenticatorStatus.Active).ToList();
        foreach (var job in suspended)
        {
            tx.UpdateAuthenticator(job with { Status = AuthenticatorStatus.Suspended, SuspendedAt = ops.Now });
        }

        var recovering = account with { RecoveryStartedAt = until is null ? null : ops.Now, RecoveryUntil = until };
        tx.UpdateAccount(recovering);
        var enrollment = EnrollmentFactory.Enrol(tx, ops, recovering, AuthenticatorNames.Primary, AuthenticatorKind.Primary, AuthenticatorStatus.Pending);
        var left = tx.ListRecoveryCodes(account.AccountId).Count;
        tx.Append(ops.Audit("Authenticator.Reset", account, AuthenticatorNames.Primary, reason: reason, detail:
            (withRecoveryCode ? $"RecoveryCode=used; RecoveryCodesLeft={left}" : $"CoolingOffUntil={until:u}") +
            $"; Suspended={string.Join(",", suspended.Select(a => a.Name))}"));
        return enrollment;
    }

    /// <summary>Confirms an automation authenticator again after a reset, with a code of the person's authenticator.</summary>
    private Authenticator Resume(string accountName, Authenticator job, TwoFactorProof proof) => ops.Confirmed(
        accountName,
        proof,
        TwoFactorRequirement.Person("Authenticator.Resume"),
        job.Name,
        (_, _) => { },
        (tx, account, confirmedBy) =>
        {
            var current = tx.ListAuthenticators(account.AccountId).Single(a => a.AuthenticatorId == job.AuthenticatorId);
            var resumed = current with { Status = AuthenticatorStatus.Active, SuspendedAt = null };
            tx.UpdateAuthenticator(resumed);
            tx.Append(ops.Audit("Authenticator.Resume", account, job.Name, confirmedBy, $"Kind=Automation; Scope={job.Scope}"));
            return resumed;
        });
}
