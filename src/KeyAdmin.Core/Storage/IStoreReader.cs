using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Storage;

/// <summary>Reads inside a transaction. Account and key names compare case-insensitively.</summary>
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

    ApiKey? FindKeyByName(string accountId, string name);

    /// <summary>Keys that count against the account's limit: enabled and disabled (and expired), not deleted.</summary>
    int CountLiveKeys(string accountId);

    byte[]? ReadSealedSecret(string keyId);

    Rotation.RotationRecord? FindRotation(string rotationId);

    /// <summary>Rotations, newest first; only unfinished ones when <paramref name="unfinishedOnly"/>.</summary>
    IReadOnlyList<Rotation.RotationRecord> ListRotations(bool unfinishedOnly);

    /// <summary>Streams audit records inside this transaction's snapshot.</summary>
    IEnumerable<AuditEntry> StreamAudit(AuditQuery query);

    /// <summary>The last audit record as the store sealed it; null for an empty log.</summary>
    AuditHead? ReadAuditHead();

    /// <summary>Refused verifications counted per key and reason; all keys when <paramref name="keyId"/> is null.</summary>
    IReadOnlyList<RefusalCount> ReadRefusals(string? keyId);
}
