namespace KeyAdmin.Core.Rotation;

/// <summary>How a key is rotated.</summary>
public sealed record RotationOptions
{
    /// <summary>The vault to deliver to; by default the one the old key was delivered to.</summary>
    public string? Vault { get; init; }

    /// <summary>The entry to deliver to; by default the old key's entry (the one the applications read).</summary>
    public string? SecretName { get; init; }

    /// <summary>Leave the old key working this long (it expires then); by default it is disabled at once.</summary>
    public TimeSpan? GracePeriod { get; init; }

    /// <summary>Delete the old key once retired (needs the authenticator; not with a grace period).</summary>
    public bool RemoveOld { get; init; }

    /// <summary>A new passphrase for the successor of a key that has one; by default the old key's passphrase is kept.</summary>
    public System.Security.SecureString? Passphrase { get; init; }
}

/// <summary>What a rotation will do, as -WhatIf shows it.</summary>
public sealed record RotationPlan(string Account, string KeyName, string OldKeyId, string Vault, string SecretName, bool VaultHeldOldKey, string Retirement);

/// <summary>One rotated key, as Invoke-ApiKeyRotation outputs it.</summary>
public sealed record RotationOutcome(
    string RotationId,
    string Account,
    string KeyName,
    string OldKeyId,
    string? NewKeyId,
    string Vault,
    string SecretName,
    RotationState State,
    string Message);
