using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// Checks a code inside the write transaction of the operation it confirms, so that a code is spent only when
/// the operation commits, and a refusal (with its failure count, lockout and audit record) commits on its own.
/// </summary>
internal sealed class TwoFactorGate
{
    private readonly TimeProvider clock;
    private readonly Actor actor;
    private readonly SecretBox secrets;

    public TwoFactorGate(TimeProvider clock, Actor actor, SecretBox secrets)
    {
        this.clock = clock;
        this.actor = actor;
        this.secrets = secrets;
    }

    /// <summary>Which authenticators may confirm: active ones of the given kinds, or one pending enrolment.</summary>
    public sealed record Scope(IReadOnlySet<AuthenticatorKind> Kinds, string? PendingAuthenticatorId = null)
    {
        public static readonly Scope AnyActive = new(new HashSet<AuthenticatorKind> { AuthenticatorKind.Primary, AuthenticatorKind.Automation });
        public static readonly Scope PrimaryOnly = new(new HashSet<AuthenticatorKind> { AuthenticatorKind.Primary });

        public static Scope Pending(string authenticatorId) => new(new HashSet<AuthenticatorKind>(), authenticatorId);
    }

    /// <summary>
    /// Checks <paramref name="code"/> (or a standing confirmation) for <paramref name="account"/>.
    /// On refusal the failure is recorded in <paramref name="tx"/> and returned, for the caller to commit and throw.
    /// </summary>
    public GateResult Check(IStoreWriter tx, Account account, TwoFactorConfirmation? standing, string? code, Scope scope, string action, string? target)
    {
        var now = clock.GetUtcNow();
        var policy = tx.ReadPolicy();
        if (account.IsLockedAt(now))
        {
            return Refuse(tx, account, action, target, KeyAdminError.TwoFactorLockedOut,
                $"Sensitive operations of account '{account.Name}' are locked until {account.LockedUntil:u} after repeated wrong codes.", countFailure: false);
        }

        var candidates = tx.ListAuthenticators(account.AccountId)
            .Where(a => scope.PendingAuthenticatorId is { } pending
                ? a.AuthenticatorId == pending && a.Status == AuthenticatorStatus.Pending
                : a.Status == AuthenticatorStatus.Active && scope.Kinds.Contains(a.Kind))
            .ToList();

        if (standing is not null && scope.PendingAuthenticatorId is null &&
            now - standing.ConfirmedAt <= policy.ConfirmationLifetime &&
            candidates.Any(a => a.AuthenticatorId == standing.AuthenticatorId))
        {
            return GateResult.Accepted(standing);
        }

        if (candidates.Count == 0)
        {
            throw new KeyAdminException(
                KeyAdminError.TwoFactorNotEnrolled,
                $"Account '{account.Name}' has no active authenticator that may confirm {action}; confirm its enrolment with Confirm-KeyAdminAuthenticator.",
                account.Name);
        }

        if (code is null)
        {
            throw new KeyAdminException(KeyAdminError.TwoFactorCodeRequired, $"{action} for account '{account.Name}' needs an authenticator code.", account.Name);
        }

        var replayed = false;
        foreach (var authenticator in candidates)
        {
            var sealedSeed = tx.ReadSealedSeed(authenticator.AuthenticatorId);
            if (sealedSeed is null)
            {
                continue;
            }

            byte[] seed;
            try
            {
                seed = secrets.Open(sealedSeed, SealIdentity.Authenticator(authenticator.AuthenticatorId));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // The seed is sealed under its authenticator's id: one that does not open was put there outside KeyAdmin.
                throw Storage.Sql.StoreSession.Tampered(Storage.Tables.Authenticators, authenticator.AuthenticatorId, "its sealed seed does not open under its id");
            }

            long? step;
            try
            {
                step = Totp.MatchStep(seed, code, now);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
            }

            if (step is null)
            {
                continue;
            }

            if (!tx.TryAdvanceStep(authenticator.AuthenticatorId, step.Value, now))
            {
                replayed = true;
                continue;
            }

            if (account.FailedCodeCount != 0)
            {
                tx.UpdateAccount(account with { FailedCodeCount = 0 });
            }

            return GateResult.Accepted(new TwoFactorConfirmation(account.AccountId, authenticator.AuthenticatorId, authenticator.Name, now));
        }

        return replayed
            ? Refuse(tx, account, action, target, KeyAdminError.TwoFactorCodeReplayed, "That authenticator code was already used; wait for the next code.", countFailure: true)
            : Refuse(tx, account, action, target, KeyAdminError.TwoFactorCodeInvalid, $"The authenticator code is not valid for account '{account.Name}'.", countFailure: true);
    }

    private GateResult Refuse(IStoreWriter tx, Account account, string action, string? target, KeyAdminError error, string message, bool countFailure)
    {
        var now = clock.GetUtcNow();
        var policy = tx.ReadPolicy();
        var reason = error.ToString();
        if (countFailure)
        {
            var failures = account.FailedCodeCount + 1;
            if (failures >= policy.MaxFailedCodes)
            {
                account = account with { FailedCodeCount = 0, LockedUntil = now + policy.LockoutDuration };
                tx.UpdateAccount(account);
                tx.Append(Record(now, "TwoFactor.LockedOut", account, target, AuditOutcome.Refused, $"{failures} consecutive wrong codes; locked until {account.LockedUntil:u}"));
                error = KeyAdminError.TwoFactorLockedOut;
                message += $" Account '{account.Name}' is now locked for {policy.LockoutDuration.TotalMinutes:0} minutes.";
            }
            else
            {
                tx.UpdateAccount(account with { FailedCodeCount = failures });
            }
        }

        tx.Append(Record(now, action, account, target, AuditOutcome.Refused, reason));
        return GateResult.Refused(new KeyAdminException(error, message, account.Name));
    }

    private AuditEntry Record(DateTimeOffset now, string action, Account account, string? target, AuditOutcome outcome, string reason) => new()
    {
        At = now,
        Actor = actor.User,
        ActorHost = actor.Host,
        Action = action,
        AccountName = account.Name,
        Target = target,
        KeyId = target is not null && target.StartsWith(Keys.KeyTokens.KeyIdPrefix, StringComparison.Ordinal) ? target : null,
        Outcome = outcome,
        Reason = reason,
    };
}

internal sealed record GateResult(TwoFactorConfirmation? Confirmation, KeyAdminException? Refusal)
{
    public static GateResult Accepted(TwoFactorConfirmation confirmation) => new(confirmation, null);

    public static GateResult Refused(KeyAdminException refusal) => new(null, refusal);
}
