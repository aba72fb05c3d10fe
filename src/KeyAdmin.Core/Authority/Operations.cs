using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
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
    }

    public IKeyAdminStore Store { get; }

    public TimeProvider Clock { get; }

    public Actor Actor { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    public AuditEntry Audit(string action, string? account, string? keyId, string? target, string? confirmedBy = null, string? detail = null, string? reason = null) => new()
    {
        At = Now,
        Actor = Actor.User,
        ActorHost = Actor.Host,
        Action = action,
        AccountName = account,
        KeyId = keyId,
        Target = target ?? keyId,
        Outcome = AuditOutcome.Succeeded,
        ConfirmedBy = confirmedBy,
        Detail = detail,
        Reason = reason,
    };

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

    public static Account RequireAccount(IStoreReader reader, string name) =>
        reader.FindAccount(name) ?? throw new KeyAdminException(KeyAdminError.AccountNotFound, $"There is no account named '{name}'.", name);

    /// <summary>
    /// Runs a change that the account's authenticator must confirm. The code is obtained before the transaction
    /// (a prompt never holds the store's write lock); it is checked inside the transaction of the change, so it
    /// is spent only if the change commits. <paramref name="precheck"/> runs before the code is asked for and
    /// again inside the transaction, so that a change that cannot happen costs no code.
    /// </summary>
    public T Confirmed<T>(
        string accountName,
        TwoFactorProof proof,
        TwoFactorGate.Scope scope,
        string action,
        string? target,
        Action<IStoreReader, Account> precheck,
        Func<IStoreWriter, Account, string, T> change)
    {
        var (account, policy) = ReadForChange(reader =>
        {
            var found = RequireAccount(reader, accountName);
            precheck(reader, found);
            return (found, reader.ReadPolicy());
        });

        // A locked account goes straight to the gate, which refuses and audits the attempt: no prompt first.
        var standing = proof.ConfirmationFor(account.AccountId);
        var code = account.IsLockedAt(Now) || (standing is not null && Now - standing.ConfirmedAt <= policy.ConfirmationLifetime)
            ? null
            : proof.NextCode(account.AccountId, account.Name, action);

        var (value, result) = Store.Write(tx =>
        {
            var current = tx.FindAccountById(account.AccountId)
                ?? throw new KeyAdminException(KeyAdminError.AccountNotFound, $"There is no account named '{accountName}'.", accountName);
            precheck(tx, current);
            var checkResult = gate.Check(tx, current, standing, code, scope, action, target);
            return checkResult.Refusal is not null
                ? (default(T), checkResult)
                : (change(tx, current, checkResult.Confirmation!.AuthenticatorName), checkResult);
        });

        proof.Remember(account.AccountId, result.Confirmation, result.Refusal);
        if (result.Refusal is not null)
        {
            throw result.Refusal;
        }

        return value!;
    }
}
