using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// Reads inside a transaction. Account and key names compare case-insensitively. Every row that decides security
/// is checked against its seal as it is read: one that fails is refused with StoreTampered (docs/SECURITY.md).
/// </summary>
public interface IStoreReader
{
    KeyAdminPolicy ReadPolicy();

    Account? FindAccount(string name);

    Account? FindAccountById(string accountId);

    IReadOnlyList<Account> ListAccounts();

    IReadOnlyList<Authenticator> ListAuthenticators(string accountId);

    byte[]? ReadSealedSeed(string authenticatorId);

    /// <summary>The hashes of a person's unused recovery codes (a used code is deleted).</summary>
    IReadOnlyList<RecoveryCodeHash> ListRecoveryCodes(string accountId);

    ApiKey? FindKey(string keyId);

    /// <summary>
    /// Everything a verifier needs of a key, from one statement: the key (checked, or its refusal), its account, and
    /// its sealed secret and passphrase. Null when there is no such key.
    /// </summary>
    /// <remarks>
    /// Reads the key's decision fields, checked against their own seal (a third of the row); with
    /// <paramref name="whole"/>, the whole key and account rows, checked against their row seals.
    /// </remarks>
    KeyMaterial? FindKeyMaterial(string keyId, bool whole = false);

    ApiKey? FindKeyByName(string accountId, string name);

    /// <summary>Keys that count against the account's limit: enabled and disabled (and expired), not deleted.</summary>
    int CountLiveKeys(string accountId);

    byte[]? ReadSealedSecret(string keyId);

    /// <summary>The sealed passphrase of a key created with one; null otherwise (and once the key is deleted).</summary>
    byte[]? ReadSealedPassphrase(string keyId);

    Rotation.RotationRecord? FindRotation(string rotationId);

    /// <summary>Rotations, newest first; only unfinished ones when <paramref name="unfinishedOnly"/>.</summary>
    IReadOnlyList<Rotation.RotationRecord> ListRotations(bool unfinishedOnly);

    /// <summary>Streams audit records inside this transaction's snapshot.</summary>
    IEnumerable<AuditEntry> StreamAudit(AuditQuery query);

    /// <summary>The last audit record as the store sealed it; null for an empty log.</summary>
    AuditHead? ReadAuditHead();

    /// <summary>
    /// Every audit record, oldest first, with the row references the row index holds for it, and whether its values
    /// are stored as KeyAdmin writes them (types and all).
    /// </summary>
    IEnumerable<(AuditEntry Entry, string? IndexedRows, bool StoredAsWritten)> StreamAuditWithIndex();

    /// <summary>The first record under which the row index holds entries that the record does not list; null when none.</summary>
    long? FirstStrayIndexEntry();

    /// <summary>
    /// Relations of the store's schema through which the server could show one statement other rows than another
    /// (row security, rules, a view in a table's place): none in a store as KeyAdmin made it.
    /// </summary>
    IReadOnlyList<TamperedRow> ScanSchema();

    /// <summary>
    /// Indexes that do not hold exactly what their table holds, by the engine's own check (SQLite's integrity_check):
    /// through such an index the store answers one statement otherwise than another. Reads the whole store.
    /// </summary>
    IReadOnlyList<TamperedRow> ScanStorage();

    /// <summary>Rows of accounts, authenticators, rotations, policy and store values that fail their integrity check, and <see cref="ScanSchema"/>.</summary>
    IReadOnlyList<TamperedRow> ScanIntegrity();

    /// <summary>Keys in listing order, each checked on its own: a row that fails its check comes as its refusal.</summary>
    IEnumerable<Checked<ApiKey>> StreamCheckedKeys(KeyQuery query);

    /// <summary>Refused verifications counted per key and reason; all keys when <paramref name="keyId"/> is null.</summary>
    IReadOnlyList<RefusalCount> ReadRefusals(string? keyId);
}
