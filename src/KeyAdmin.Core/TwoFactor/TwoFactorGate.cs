using System.Security.Cryptography;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
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

    /// <summary>
    /// Checks <paramref name="code"/> (or a standing confirmation) for <paramref name="account"/> against what
    /// <paramref name="need"/> allows. On refusal the failure is recorded in <paramref name="tx"/> and returned, for
    /// the caller to commit and throw.
    /// </summary>
    public GateResult Check(IStoreWriter tx, Account account, TwoFactorConfirmation? standing, string? code, TwoFactorRequirement need, string? target)
    {
        var now = clock.GetUtcNow();
        var policy = tx.ReadPolicy();
        account = Settle(tx, account);
        var key = need.WithdrawalKeyId is { } keyId
            ? tx.FindKey(keyId) ?? throw new KeyAdminException(KeyAdminError.KeyNotFound, $"There is no key with id '{keyId}'.", keyId)
            : null;
        if (key is not null ? key.WithdrawalsLockedAt(now) : account.IsLockedAt(now))
        {
            return Refuse(tx, account, key, need, target, KeyAdminError.TwoFactorLockedOut, key is not null
                ? $"Withdrawals of key '{key.Name}' are locked until {key.WithdrawalLockedUntil:u} after repeated wrong codes."
                : LockedMessage(account), countFailure: false);
        }

        if (need.RefusedWhileRecovering && account.IsRecoveringAt(now))
        {
            return Refuse(tx, account, key, need, target, KeyAdminError.RecoveryPending,
                $"A reset of the authenticator of {account.Describe()} cools off until {account.RecoveryUntil:u}: until then {need.Action} is refused. " +
                $"If nobody meant to reset it, cancel the reset with Stop-KeyAdminAuthenticatorReset and a code of the replaced authenticator.", countFailure: false);
        }

        if (need.ReplacedAuthenticatorOnly && !account.IsRecoveringAt(now))
        {
            throw new KeyAdminException(KeyAdminError.RecoveryNotPending, $"No reset of the authenticator of {account.Describe()} is pending.", account.Name);
        }

        var (allowed, denied) = Classify(tx.ListAuthenticators(account.AccountId), account, need);
        if (standing is not null && need.PendingAuthenticatorId is null && now - standing.ConfirmedAt <= policy.ConfirmationLifetime)
        {
            if (allowed.Any(a => a.AuthenticatorId == standing.AuthenticatorId))
            {
                return GateResult.Accepted(standing);
            }

            if (denied.FirstOrDefault(d => d.Authenticator.AuthenticatorId == standing.AuthenticatorId) is { Authenticator: not null } refusal)
            {
                return Refuse(tx, account, key, need, target, refusal.Error, refusal.Message, countFailure: false);
            }
        }

        if (allowed.Count == 0 && denied.Count == 0)
        {
            throw new KeyAdminException(
                KeyAdminError.TwoFactorNotEnrolled,
                $"{Capitalised(account.Describe())} has no active authenticator that may confirm {need.Action}; confirm its enrolment with Confirm-KeyAdminAuthenticator.",
                account.Name);
        }

        if (code is null)
        {
            throw new KeyAdminException(KeyAdminError.TwoFactorCodeRequired, $"{need.Action} for {account.Describe()} needs an authenticator code.", account.Name);
        }

        var replayed = false;
        foreach (var authenticator in allowed)
        {
            var step = MatchStep(tx, authenticator, code, now);
            if (step is null)
            {
                continue;
            }

            if (!tx.TryAdvanceStep(authenticator.AuthenticatorId, step.Value, now))
            {
                replayed = true;
                continue;
            }

            if (key is not null && key.WithdrawalFailedCodeCount != 0)
            {
                tx.UpdateKey(key with { WithdrawalFailedCodeCount = 0 });
            }
            else if (key is null && account.FailedCodeCount != 0)
            {
                tx.UpdateAccount(account with { FailedCodeCount = 0 });
            }

            return GateResult.Accepted(new TwoFactorConfirmation(account.AccountId, authenticator.AuthenticatorId, authenticator.Name, now));
        }

        // A code of an authenticator that may not confirm this is not a wrong code: refused for what it is, and not
        // counted, so that a job running outside its scope never locks out the account's people. It is not spent.
        foreach (var (authenticator, error, message) in denied)
        {
            if (MatchStep(tx, authenticator, code, now) is not null)
            {
                return Refuse(tx, account, key, need, target, error, message, countFailure: false);
            }
        }

        return replayed
            ? Refuse(tx, account, key, need, target, KeyAdminError.TwoFactorCodeReplayed, "That authenticator code was already used; wait for the next code.", countFailure: true)
            : Refuse(tx, account, key, need, target, KeyAdminError.TwoFactorCodeInvalid, $"The authenticator code is not valid for {account.Describe()}.", countFailure: true);
    }

    /// <summary>
    /// Ends a reset whose cooling-off is over: the replaced authenticator is revoked (its seed destroyed) and the
    /// account leaves recovery. Nothing to do otherwise. Derived from the clock, so readers see the same state.
    /// </summary>
    public Account Settle(IStoreWriter tx, Account account)
    {
        var now = clock.GetUtcNow();
        if (account.RecoveryUntil is not { } until || until > now)
        {
            return account;
        }

        var replaced = tx.ListAuthenticators(account.AccountId).Where(a => a.Status == AuthenticatorStatus.Replaced).ToList();
        foreach (var old in replaced)
        {
            tx.UpdateAuthenticator(old with { Status = AuthenticatorStatus.Revoked, RevokedAt = now });
        }

        var settled = account with { RecoveryStartedAt = null, RecoveryUntil = null };
        tx.UpdateAccount(settled);
        tx.Append(Record(now, "Authenticator.ResetComplete", account, null, account.Name, AuditOutcome.Succeeded, null,
            $"CoolingOffEnded={until:u}; Revoked={string.Join(",", replaced.Select(a => a.Name))}"));
        return settled;
    }

    private static (List<Authenticator> Allowed, List<(Authenticator Authenticator, KeyAdminError Error, string Message)> Denied) Classify(
        IReadOnlyList<Authenticator> authenticators, Account account, TwoFactorRequirement need)
    {
        var allowed = new List<Authenticator>();
        var denied = new List<(Authenticator, KeyAdminError, string)>();
        foreach (var a in authenticators)
        {
            if (need.PendingAuthenticatorId is { } pending)
            {
                if (a.AuthenticatorId == pending && a.Status == AuthenticatorStatus.Pending)
                {
                    allowed.Add(a);
                }
            }
            else if (need.ReplacedAuthenticatorOnly)
            {
                if (a.Status == AuthenticatorStatus.Replaced)
                {
                    allowed.Add(a);
                }
            }
            else if (a.Status == AuthenticatorStatus.Replaced)
            {
                denied.Add((a, KeyAdminError.RecoveryPending,
                    $"Authenticator '{a.Name}' of {account.Describe()} is being replaced by a reset that cools off until {account.RecoveryUntil:u}: " +
                    "it can only cancel the reset (Stop-KeyAdminAuthenticatorReset)."));
            }
            else if (a.Status == AuthenticatorStatus.Suspended)
            {
                denied.Add((a, KeyAdminError.AuthenticatorSuspended,
                    $"Automation authenticator '{a.Name}' of {account.Describe()} is suspended since the person's authenticator was reset; " +
                    $"a person confirms it again with Confirm-KeyAdminAuthenticator -Account {account.Name} -Name {a.Name}."));
            }
            else if (a.Status != AuthenticatorStatus.Active)
            {
                continue;
            }
            else if (a.Kind == AuthenticatorKind.Primary)
            {
                allowed.Add(a);
            }
            else if (need.Automation is { } scope && (a.Scope & scope) == scope)
            {
                allowed.Add(a);
            }
            else
            {
                denied.Add((a, KeyAdminError.TwoFactorScopeDenied,
                    $"Automation authenticator '{a.Name}' of {account.Describe()} may confirm {DescribeScope(a.Scope)}, not {need.Action}: a person's authenticator must confirm it."));
            }
        }

        return (allowed, denied);
    }

    private long? MatchStep(IStoreReader tx, Authenticator authenticator, string code, DateTimeOffset now)
    {
        var sealedSeed = tx.ReadSealedSeed(authenticator.AuthenticatorId);
        if (sealedSeed is null)
        {
            return null;
        }

        byte[] seed;
        try
        {
            seed = secrets.Open(sealedSeed, SealIdentity.Authenticator(authenticator.AuthenticatorId));
        }
        catch (CryptographicException)
        {
            // The seed is sealed under its authenticator's id: one that does not open was put there outside KeyAdmin.
            throw Storage.Sql.StoreSession.Tampered(Storage.Tables.Authenticators, authenticator.AuthenticatorId, "its sealed seed does not open under its id");
        }

        try
        {
            return Totp.MatchStep(seed, code, now);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    private GateResult Refuse(IStoreWriter tx, Account account, ApiKey? key, TwoFactorRequirement need, string? target, KeyAdminError error, string message, bool countFailure)
    {
        var now = clock.GetUtcNow();
        var policy = tx.ReadPolicy();
        var reason = error.ToString();
        if (countFailure && key is not null)
        {
            var failures = key.WithdrawalFailedCodeCount + 1;
            if (failures >= policy.MaxFailedCodes)
            {
                key = key with { WithdrawalFailedCodeCount = 0, WithdrawalLockedUntil = now + policy.LockoutDuration };
                tx.UpdateKey(key);
                tx.Append(Record(now, "TwoFactor.WithdrawalsLockedOut", account, key, target, AuditOutcome.Refused, null,
                    $"{failures} consecutive wrong withdrawal codes; withdrawals of this key locked until {key.WithdrawalLockedUntil:u}"));
                error = KeyAdminError.TwoFactorLockedOut;
                message += $" Withdrawals of key '{key.Name}' are now locked for {policy.LockoutDuration.TotalMinutes:0} minutes.";
            }
            else
            {
                tx.UpdateKey(key with { WithdrawalFailedCodeCount = failures });
            }
        }
        else if (countFailure && CountWrongCode(tx, account, target))
        {
            error = KeyAdminError.TwoFactorLockedOut;
            message += $" {Capitalised(account.Describe())} is now locked for {policy.LockoutDuration.TotalMinutes:0} minutes.";
        }

        tx.Append(Record(now, need.Action, account, key, target, AuditOutcome.Refused, reason, null));
        return GateResult.Refused(new KeyAdminException(error, message, account.Name));
    }

    /// <summary>
    /// Counts one wrong code against the account (a TOTP code or a recovery code): at the policy's limit the account
    /// locks and the lockout is audited. True when this code locked it.
    /// </summary>
    public bool CountWrongCode(IStoreWriter tx, Account account, string? target)
    {
        var now = clock.GetUtcNow();
        var policy = tx.ReadPolicy();
        var failures = account.FailedCodeCount + 1;
        if (failures < policy.MaxFailedCodes)
        {
            tx.UpdateAccount(account with { FailedCodeCount = failures });
            return false;
        }

        var locked = account with { FailedCodeCount = 0, LockedUntil = now + policy.LockoutDuration };
        tx.UpdateAccount(locked);
        tx.Append(Record(now, "TwoFactor.LockedOut", locked, null, target, AuditOutcome.Refused, null, $"{failures} consecutive wrong codes; locked until {locked.LockedUntil:u}"));
        return true;
    }

    /// <summary>Why a locked account's sensitive operations are refused.</summary>
    public static string LockedMessage(Account account) =>
        $"Sensitive operations of {account.Describe()} are locked until {account.LockedUntil:u} after repeated wrong codes.";

    private AuditEntry Record(DateTimeOffset now, string action, Account account, ApiKey? key, string? target, AuditOutcome outcome, string? reason, string? detail) => new()
    {
        At = now,
        Actor = actor.User,
        ActorHost = actor.Host,
        Action = action,
        AccountName = account.Name,
        AccountId = account.AccountId,
        Target = target,
        KeyId = key?.KeyId ?? (target is not null && target.StartsWith(KeyTokens.KeyIdPrefix, StringComparison.Ordinal) ? target : null),
        Outcome = outcome,
        Reason = reason,
        Detail = detail,
    };

    private static string DescribeScope(AutomationScope scope) =>
        scope == AutomationScope.None ? "nothing" : string.Join(", ", AutomationScopes.Names(scope));

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}

internal sealed record GateResult(TwoFactorConfirmation? Confirmation, KeyAdminException? Refusal)
{
    public static GateResult Accepted(TwoFactorConfirmation confirmation) => new(confirmation, null);

    public static GateResult Refused(KeyAdminException refusal) => new(null, refusal);
}
