namespace KeyAdmin.Core.Keys;

/// <summary>
/// An API key as the store holds it: an immutable value with explicit lifecycle dates. Changes produce a new
/// value (and an audit record); the secret is never part of it.
/// </summary>
public sealed record ApiKey
{
    public required string KeyId { get; init; }

    public required string AccountId { get; init; }

    public required string AccountName { get; init; }

    public required string Name { get; init; }

    public string Memo { get; init; } = string.Empty;

    public required ApiKeyPermission Permissions { get; init; }

    public IReadOnlyList<IpRule> IpBinding { get; init; } = Array.Empty<IpRule>();

    /// <summary>True for a key created with a passphrase: it is used with KuCoin's KC-API-* headers, and only with them.</summary>
    public bool HasPassphrase { get; init; }

    /// <summary>The KC-API-KEY-VERSION values the key accepts (None for a key without a passphrase). Never changes.</summary>
    public KuCoinKeyVersions KeyVersions { get; init; }

    /// <summary>Set when Transfer or Withdraw was granted without a binding by explicit override (R6).</summary>
    public bool UnboundSensitiveAllowed { get; init; }

    public required ApiKeyStatus StoredStatus { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    public string? DisabledReason { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    public string? LastUsedAddress { get; init; }

    /// <summary>Created but not yet handed to anyone (vault delivery or rotation under way).</summary>
    public bool PendingDelivery { get; init; }

    /// <summary>The vault the credential was delivered to, when it was.</summary>
    public string? Vault { get; init; }

    /// <summary>The vault entry name the applications read.</summary>
    public string? VaultSecretName { get; init; }

    /// <summary>The key this one replaced in a rotation.</summary>
    public string? RotatedFrom { get; init; }

    /// <summary>The key that replaced this one in a rotation.</summary>
    public string? RotatedTo { get; init; }

    /// <summary>
    /// Consecutive wrong authenticator codes sent with this key's withdrawal requests: counted per key, apart from
    /// the account's own count, so that whoever holds the key can lock only its withdrawals (R12).
    /// </summary>
    public int WithdrawalFailedCodeCount { get; init; }

    /// <summary>Set while this key's withdrawals are locked after repeated wrong codes.</summary>
    public DateTimeOffset? WithdrawalLockedUntil { get; init; }

    public bool WithdrawalsLockedAt(DateTimeOffset now) => WithdrawalLockedUntil is { } until && until > now;

    /// <summary>The status at <paramref name="now"/>: an enabled key past its expiry is Expired (R14).</summary>
    public ApiKeyStatus StatusAt(DateTimeOffset now) =>
        StoredStatus == ApiKeyStatus.Enabled && ExpiresAt is { } expires && expires <= now
            ? ApiKeyStatus.Expired
            : StoredStatus;
}
