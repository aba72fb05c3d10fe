namespace KeyAdmin.Core.Keys;

/// <summary>What an administrator asks for when creating a key.</summary>
public sealed record NewKeyRequest
{
    public required string Account { get; init; }

    public required string Name { get; init; }

    public ApiKeyPermission Permissions { get; init; } = ApiKeyPermission.Read;

    public IReadOnlyList<string> IpAddresses { get; init; } = Array.Empty<string>();

    public string? Memo { get; init; }

    public int? ExpiresInDays { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Grants Transfer or Withdraw without an IP binding; recorded on the key and in the audit log (R6).</summary>
    public bool AllowUnboundSensitive { get; init; }

    /// <summary>
    /// KuCoin's third credential (7 to 32 printable ASCII characters, no spaces): the key is then used with the
    /// KC-API-* headers. Sealed like the secret and never shown again. None: a KA-API-* key.
    /// </summary>
    public System.Security.SecureString? Passphrase { get; init; }

    /// <summary>The KC-API-KEY-VERSION values a key with a passphrase accepts; 2 and 3 when not given.</summary>
    public KuCoinKeyVersions? KeyVersions { get; init; }

    /// <summary>The key is created before it is handed over (vault delivery, rotation); see <see cref="ApiKey.PendingDelivery"/>.</summary>
    internal bool PendingDelivery { get; init; }

    /// <summary>Created disabled, so that it works only once it is delivered.</summary>
    internal bool StartDisabled { get; init; }

    internal string? RotatedFrom { get; init; }
}

/// <summary>What may change on a key after creation (R5, R7). Permissions are not here, by design (R3).</summary>
public sealed record KeyChanges
{
    public string? NewName { get; init; }

    public string? Memo { get; init; }

    public IReadOnlyList<string>? IpAddresses { get; init; }

    public IReadOnlyList<string>? AddIpAddresses { get; init; }

    public IReadOnlyList<string>? RemoveIpAddresses { get; init; }

    public bool AllowUnboundSensitive { get; init; }

    public bool ChangesBinding => IpAddresses is not null || AddIpAddresses is not null || RemoveIpAddresses is not null;
}

/// <summary>A new key with its secret: the only object that ever carries the secret, once (R2).</summary>
public sealed record IssuedKey(ApiKey Key, System.Security.SecureString Secret);
