using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// What every service shares: the store, the clock, the actor, audit records, and the one way a change that
/// needs the second factor is run.
/// </summary>
internal sealed class Operations
{
    private readonly TwoFactorGate gate;

    public Operations(IKeyAdminStore store, TimeProvider clock, Actor actor)
    {
        Store = store;
        Clock = clock;
        Actor = actor;
        gate = new TwoFactorGate(clock, actor, store.Secrets);
        RecoveryCodes = new RecoveryCodes(store.Secrets.DeriveKey("recovery codes v1"));
    }

    public IKeyAdminStore Store { get; }

    public TimeProvider Clock { get; }

    public Actor Actor { get; }

    public RecoveryCodes RecoveryCodes { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>An audit record about <paramref name="account"/> (or about the store when null).</summary>
    public AuditEntry Audit(string action, Account? account, string? target, string? confirmedBy = null, string? detail = null, string? reason = null) =>
        Entry(action, account?.Name, account?.AccountId, null, target, confirmedBy, detail, reason);

    /// <summary>An audit record about <paramref name="key"/>; its target is the key's name unless given.</summary>
    public AuditEntry Audit(string action, ApiKey key, string? target = null, string? confirmedBy = null, string? detail = null, string? reason = null) =>
        Entry(action, key.AccountName, key.AccountId, key.KeyId, target ?? key.Name, confirmedBy, detail, reason);

    /// <summary>
    /// A read that a change starts from. A row that fails its integrity check ends the change, and the detection is
    /// recorded in the audit log (a command that only reads reports it and writes nothing).
    /// </summary>
    public T ReadForChange<T>(Func<IStoreReader, T> read)
    {
        try
        {
            return Store.Read(read);
        }
        catch (KeyAdminException e) when (e.Error == KeyAdminError.StoreTampered)
        {
            Store.RecordDetection(e, Actor, Now);
            throw;
        }
    }

    /// <summary>An account by the name a user typed: never the store administrator, whose name no account can have.</summary>
    public static Account RequireAccount(IStoreReader reader, string name) =>
        reader.FindAccount(name) is { IsStoreAdministrator: false } account
            ? account
            : throw new KeyAdminException(KeyAdminError.AccountNotFound, $"There is no account named '{name}'.", name);

    /// <summary>The subject of an operation that accounts and the store administrator both have (authenticators, recovery codes).</summary>
    public static Account RequireSubject(IStoreReader reader, string name)
    {
        if (name != StoreAdministrator.AccountName)
        {
            return RequireAccount(reader, name);
        }

        return reader.FindAccount(name) ?? throw new KeyAdminException(
            KeyAdminError.StoreAdministratorNotEnrolled,
            "This store has no store administrator yet: enrol one with New-KeyAdminStoreAdministrator.",
            name);
    }

    /// <summary>Ends a reset whose cooling-off is over, inside <paramref name="tx"/>.</summary>
    public Account Settle(IStoreWriter tx, Account account) => gate.Settle(tx, account);

    /// <summary>Counts a wrong code against the account; true when it locked the account (audited).</summary>
    public bool CountWrongCode(IStoreWriter tx, Account account) => gate.CountWrongCode(tx, account, null);

    /// <summary>
    /// Runs a change that the account's authenticator must confirm. The code is obtained before the transaction
    /// (a prompt never holds the store's write lock); it is checked inside the transaction of the change, so it
    /// is spent only if the change commits. <paramref name="precheck"/> runs before the code is asked for and
    /// again inside the transaction, so that a change that cannot happen costs no code. The store administrator is
    /// the subject only of what <paramref name="storeAdministrator"/> allows (its authenticators, codes and the policy).
    /// </summary>
    public T Confirmed<T>(
        string accountName,
        TwoFactorProof proof,
        TwoFactorRequirement need,
        string? target,
        Action<IStoreReader, Account> precheck,
        Func<IStoreWriter, Account, string, T> change,
        bool storeAdministrator = false)
    {
        var (account, policy) = ReadForChange(reader =>
        {
            var found = storeAdministrator ? RequireSubject(reader, accountName) : RequireAccount(reader, accountName);
            precheck(reader, found);
            return (found, reader.ReadPolicy());
        });

        // A locked account, or a change a pending reset refuses, goes straight to the gate, which refuses and audits
        // the attempt: no prompt first.
        var standing = proof.ConfirmationFor(account.AccountId);
        var refused = account.IsLockedAt(Now) || (need.RefusedWhileRecovering && account.IsRecoveringAt(Now));
        var code = refused || (standing is not null && Now - standing.ConfirmedAt <= policy.ConfirmationLifetime)
            ? null
            : proof.NextCode(account.AccountId, account.Name, need.Action);
        if (!refused)
        {
            proof.Confirming();
        }

        var (value, result) = Store.Write(tx =>
        {
            var current = tx.FindAccountById(account.AccountId)
                ?? throw new KeyAdminException(KeyAdminError.AccountNotFound, $"There is no account named '{accountName}'.", accountName);
            precheck(tx, current);
            var checkResult = gate.Check(tx, current, standing, code, need, target);
            return checkResult.Refusal is not null
                ? (default(T), checkResult)
                : (change(tx, tx.FindAccountById(account.AccountId)!, checkResult.Confirmation!.AuthenticatorName), checkResult);
        });

        proof.Remember(account.AccountId, result.Confirmation, result.Refusal);
        if (result.Refusal is not null)
        {
            throw result.Refusal;
        }

        return value!;
    }

    /// <summary>
    /// Confirms one withdrawal request of <paramref name="keyId"/> with the code it carries: only a person's
    /// authenticator confirms it, a wrong code counts on the key's own counter, and the refusal commits on its own.
    /// Returns the key's status as this transaction reads it: a key disabled, expired or deleted since the verifier
    /// last read it (up to its RevalidateAfter before, or a request in flight across the change) is not confirmed,
    /// and the code is not used.
    /// </summary>
    public ApiKeyStatus ConfirmWithdrawal(string keyId, string code)
    {
        Totp.CheckFormat(code);
        var (status, refusal) = Store.Write(tx =>
        {
            var key = tx.FindKey(keyId) ?? throw new KeyAdminException(KeyAdminError.KeyNotFound, $"There is no key with id '{keyId}'.", keyId);
            var status = key.StatusAt(Now);
            if (status != ApiKeyStatus.Enabled)
            {
                return (status, (KeyAdminException?)null);
            }

            var account = tx.FindAccountById(key.AccountId) ?? throw new KeyAdminException(KeyAdminError.AccountNotFound, "The key's account is gone.", key.AccountName);
            var result = gate.Check(tx, account, null, code, TwoFactorRequirement.Withdrawal(keyId), keyId);
            if (result.Refusal is null)
            {
                tx.Append(Audit("Verification.Withdraw", key, confirmedBy: result.Confirmation!.AuthenticatorName));
            }

            return (status, result.Refusal);
        });

        if (refusal is not null)
        {
            throw refusal;
        }

        return status;
    }

    private AuditEntry Entry(string action, string? accountName, string? accountId, string? keyId, string? target, string? confirmedBy, string? detail, string? reason) => new()
    {
        At = Now,
        Actor = Actor.User,
        ActorHost = Actor.Host,
        Action = action,
        AccountName = accountName,
        AccountId = accountId,
        KeyId = keyId,
        Target = target ?? keyId,
        Outcome = AuditOutcome.Succeeded,
        ConfirmedBy = confirmedBy,
        Detail = detail,
        Reason = reason,
    };
}
