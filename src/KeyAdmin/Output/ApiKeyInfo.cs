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
        Status = key.StatusAt(now);
        Permissions = key.Permissions;
        IpAddresses = key.IpBinding.Select(r => r.ToString()).ToArray();
        UnboundSensitiveAllowed = key.UnboundSensitiveAllowed;
        Memo = key.Memo;
        CreatedAt = key.CreatedAt;
        CreatedBy = key.CreatedBy;
        ExpiresAt = key.ExpiresAt;
        LastUsedAt = key.LastUsedAt;
        LastUsedAddress = key.LastUsedAddress;
        DisabledAt = key.DisabledAt;
        DisabledReason = key.DisabledReason;
        DeletedAt = key.DeletedAt;
    }

    public string KeyId { get; }

    public string Account { get; }

    public string Name { get; }

    public ApiKeyStatus Status { get; }

    public ApiKeyPermission Permissions { get; }

    /// <summary>The IP binding; empty means the key works from anywhere.</summary>
    public string[] IpAddresses { get; }

    /// <summary>True when Transfer or Withdraw was granted without a binding by explicit override.</summary>
    public bool UnboundSensitiveAllowed { get; }

    public string Memo { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public DateTimeOffset? ExpiresAt { get; }

    public DateTimeOffset? LastUsedAt { get; }

    public string? LastUsedAddress { get; }

    public DateTimeOffset? DisabledAt { get; }

    public string? DisabledReason { get; }

    public DateTimeOffset? DeletedAt { get; }

    public override string ToString() => KeyId;
}
