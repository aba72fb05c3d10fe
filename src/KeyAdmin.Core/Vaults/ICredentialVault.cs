using System.Security;

namespace KeyAdmin.Core.Vaults;

/// <summary>
/// A vault that applications read their API credentials from (a SecretManagement vault in the module). The core
/// delivers through it and never learns how it stores anything. Every failure is a KeyAdminException that names
/// the vault and why, never the secret.
/// </summary>
public interface ICredentialVault
{
    string Name { get; }

    /// <summary>The credential stored under <paramref name="secretName"/>, or null when there is none.</summary>
    VaultCredential? Read(string secretName);

    /// <summary>
    /// Stores the credential with non-secret metadata: a key id and secret (a PSCredential in SecretManagement), or,
    /// for a key with a passphrase, all three in one entry (a Hashtable: KeyId, Secret, Passphrase).
    /// </summary>
    void Write(string secretName, VaultCredential credential, IReadOnlyDictionary<string, object> metadata);

    void Remove(string secretName);

    /// <summary>The entries that KeyAdmin delivered (their metadata names a key id), for compliance.</summary>
    IEnumerable<VaultEntry> ListDelivered();
}

/// <summary>What a vault holds under one name. KeyId is empty when the entry is not a KeyAdmin credential.</summary>
public sealed record VaultCredential(string KeyId, SecureString Secret)
{
    /// <summary>The key's passphrase, for a key that has one: the entry then holds all three credentials.</summary>
    public SecureString? Passphrase { get; init; }
}

/// <summary>A delivered entry as the vault lists it: its name and the key id its metadata records.</summary>
public sealed record VaultEntry(string SecretName, string KeyId, string? StoreId);
