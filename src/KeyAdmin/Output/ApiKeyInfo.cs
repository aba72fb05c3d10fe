using KeyAdmin.Core.Keys;

namespace KeyAdmin;

/// <summary>A key as Get-ApiKey shows it (R8). Never carries the secret.</summary>
public class ApiKeyInfo
{
    internal ApiKeyInfo(ApiKey key, DateTimeOffset now)
    {
        KeyId = key.KeyId;
        Account = key.AccountName;
        Name = key.Name;
        Status = key.StatusAt(now).ToString();
        Permissions = TextList.Of(key.Permissions);
        IpAddresses = new TextList(key.IpBinding.Select(r => r.ToString()));
        UnboundSensitiveAllowed = key.UnboundSensitiveAllowed;
        HasPassphrase = key.HasPassphrase;
        KeyVersions = key.KeyVersions.Numbers();
        Memo = key.Memo;
        CreatedAt = key.CreatedAt;
        CreatedBy = key.CreatedBy;
        ExpiresAt = key.ExpiresAt;
        LastUsedAt = key.LastUsedAt;
        LastUsedAddress = key.LastUsedAddress;
        DisabledAt = key.DisabledAt;
        DisabledReason = key.DisabledReason;
        DeletedAt = key.DeletedAt;
        PendingDelivery = key.PendingDelivery;
        Vault = key.Vault;
        SecretName = key.VaultSecretName;
        RotatedFrom = key.RotatedFrom;
        RotatedTo = key.RotatedTo;
        WithdrawalLockedUntil = key.WithdrawalsLockedAt(now) ? key.WithdrawalLockedUntil : null;
    }

    public string KeyId { get; }

    public string Account { get; }

    public string Name { get; }

    /// <summary>Enabled, Disabled, Expired or Deleted.</summary>
    public string Status { get; }

    /// <summary>Read (always), and any of Trade, Transfer, Withdraw: words, so that JSON and CSV show them as such.</summary>
    public TextList Permissions { get; }

    /// <summary>The IP binding (addresses and CIDR ranges); empty means the key works from anywhere.</summary>
    public TextList IpAddresses { get; }

    /// <summary>True when Transfer or Withdraw was granted without a binding by explicit override.</summary>
    public bool UnboundSensitiveAllowed { get; }

    /// <summary>True for a key with KuCoin's passphrase: its clients sign with the KC-API-* headers.</summary>
    public bool HasPassphrase { get; }

    /// <summary>The KC-API-KEY-VERSION values the key accepts (empty for a key without a passphrase).</summary>
    public int[] KeyVersions { get; }

    public string Memo { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public DateTimeOffset? ExpiresAt { get; }

    public DateTimeOffset? LastUsedAt { get; }

    public string? LastUsedAddress { get; }

    public DateTimeOffset? DisabledAt { get; }

    public string? DisabledReason { get; }

    public DateTimeOffset? DeletedAt { get; }

    /// <summary>Created but not yet handed over (a delivery or rotation under way).</summary>
    public bool PendingDelivery { get; }

    /// <summary>The SecretManagement vault the credential was delivered to.</summary>
    public string? Vault { get; }

    /// <summary>The vault entry the applications read.</summary>
    public string? SecretName { get; }

    /// <summary>The key this one replaced.</summary>
    public string? RotatedFrom { get; }

    /// <summary>The key that replaced this one.</summary>
    public string? RotatedTo { get; }

    /// <summary>Set while this key's withdrawals are locked after repeated wrong codes sent with its requests.</summary>
    public DateTimeOffset? WithdrawalLockedUntil { get; }

    public override string ToString() => KeyId;
}
