using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Storage;

/// <summary>Writes inside a transaction. There is deliberately no way to change a key's permissions (R3).</summary>
public interface IStoreWriter : IStoreReader
{
    void WritePolicy(KeyAdminPolicy policy);

    void InsertAccount(Account account);

    /// <summary>Writes the account's mutable facts: e-mail, key limit, withdrawal codes, failed-code count, lockout and a pending reset.</summary>
    void UpdateAccount(Account account);

    /// <summary>Deletes an account that holds no live keys, with its authenticators and deleted-key tombstones.</summary>
    void DeleteAccount(string accountId);

    void InsertAuthenticator(Authenticator authenticator, byte[] sealedSeed);

    /// <summary>Writes status, dates and scope; a revoked authenticator's seed is destroyed.</summary>
    void UpdateAuthenticator(Authenticator authenticator);

    void InsertRecoveryCode(RecoveryCodeHash code);

    /// <summary>Spends a recovery code: true only for the transaction that deleted it (the once-only rule, across processes).</summary>
    bool DeleteRecoveryCode(string codeId);

    /// <summary>Deletes every recovery code of an account (new ones replace them).</summary>
    void DeleteRecoveryCodes(string accountId);

    /// <summary>
    /// Records that a code of <paramref name="step"/> was accepted, only if no code of that or a later step was:
    /// the once-only rule of R12, enforced by the engine so that it holds across processes.
    /// </summary>
    bool TryAdvanceStep(string authenticatorId, long step, DateTimeOffset at);

    /// <summary>Inserts a key with its sealed secret and, for a key with KuCoin's passphrase, its sealed passphrase.</summary>
    void InsertKey(ApiKey key, byte[] sealedSecret, byte[]? sealedPassphrase);

    /// <summary>
    /// Writes name, memo, binding, status, lifecycle dates, delivery, lineage and the withdrawal-code lockout. The
    /// engine refuses a change of permissions.
    /// </summary>
    void UpdateKey(ApiKey key);

    /// <summary>Marks the key deleted and destroys its secret material for good (R10).</summary>
    void DestroyKey(ApiKey deleted);

    void InsertRotation(Rotation.RotationRecord rotation);

    void UpdateRotation(Rotation.RotationRecord rotation);

    /// <summary>Records the last accepted use of keys; never moves a key's last use backwards.</summary>
    void RecordUsage(IReadOnlyCollection<KeyUsage> usage);

    /// <summary>Adds refused-verification counts to the running totals per key and reason.</summary>
    void AddRefusals(IReadOnlyCollection<RefusalCount> counts);

    /// <summary>
    /// Remembers an accepted replay-protected request's signature until <paramref name="expiresAt"/>: Replayed when
    /// it is remembered already, ShareExhausted when the key holds <paramref name="share"/> unexpired entries.
    /// Entries are forgotten only once expired, never to make room.
    /// </summary>
    Verification.ReplayOutcome RecordRequest(string keyId, byte[] signature, DateTimeOffset expiresAt, DateTimeOffset now, int share);

    /// <summary>Forgets every expired replay entry; returns how many.</summary>
    int ForgetExpiredRequests(DateTimeOffset now);

    /// <summary>Appends an audit record; if it cannot be written, the whole transaction fails (fail closed).</summary>
    void Append(AuditEntry entry);
}
