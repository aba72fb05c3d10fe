namespace KeyAdmin.Core.Keys;

/// <summary>
/// What a verifier decides a request on, and nothing else: the key's state, permissions, binding, expiry and
/// KuCoin credentials, with its account's name and withdrawal rule. Read, and checked against its own seal, in one
/// narrow statement (<see cref="Storage.RowSeal.DecisionFields(Crypto.Canonical, KeyDecision)"/>), so that an
/// uncached verification reads a third of the key's row.
/// </summary>
public sealed record KeyDecision(
    string KeyId,
    string AccountId,
    string AccountName,
    ApiKeyPermission Permissions,
    IReadOnlyList<IpRule> IpBinding,
    ApiKeyStatus StoredStatus,
    DateTimeOffset? ExpiresAt,
    bool HasPassphrase,
    KuCoinKeyVersions KeyVersions,
    bool RequireWithdrawalCode)
{
    /// <summary>The decision fields of a key read whole, with its account.</summary>
    public static KeyDecision Of(ApiKey key, Accounts.Account account) => new(
        key.KeyId, key.AccountId, account.Name, key.Permissions, key.IpBinding, key.StoredStatus, key.ExpiresAt, key.HasPassphrase, key.KeyVersions, account.RequireWithdrawalCode);

    /// <summary>The status at <paramref name="now"/>, as <see cref="ApiKey.StatusAt"/> gives it.</summary>
    public ApiKeyStatus StatusAt(DateTimeOffset now) =>
        StoredStatus == ApiKeyStatus.Enabled && ExpiresAt is { } expires && expires <= now
            ? ApiKeyStatus.Expired
            : StoredStatus;
}
