using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Vaults;

/// <summary>Writes a credential, reads it back and compares it before anyone calls it delivered.</summary>
public static class VaultDelivery
{
    /// <summary>Writes <paramref name="credential"/> (the key's id, secret and passphrase, if it has one) and reads it back.</summary>
    public static void Deliver(ICredentialVault vault, string secretName, ApiKey key, VaultCredential credential, string storeId)
    {
        vault.Write(secretName, credential, Metadata(key, storeId));
        var back = vault.Read(secretName)
            ?? throw new KeyAdminException(KeyAdminError.VaultReadBackMismatch, $"Vault '{vault.Name}' has no entry '{secretName}' right after it was written.", secretName);
        var samePassphrase = credential.Passphrase is null
            ? back.Passphrase is null
            : back.Passphrase is not null && SameSecret(back.Passphrase, credential.Passphrase);
        if (!string.Equals(back.KeyId, key.KeyId, StringComparison.Ordinal) || !SameSecret(back.Secret, credential.Secret) || !samePassphrase)
        {
            throw new KeyAdminException(KeyAdminError.VaultReadBackMismatch, $"Vault '{vault.Name}' returned something else than was written to '{secretName}'.", secretName);
        }
    }

    /// <summary>Only facts that may be read by anyone who can list the vault: never the secret or the passphrase.</summary>
    public static IReadOnlyDictionary<string, object> Metadata(ApiKey key, string storeId) => new Dictionary<string, object>
    {
        ["KeyAdminStoreId"] = storeId,
        ["Account"] = key.AccountName,
        ["KeyId"] = key.KeyId,
        ["Permissions"] = key.Permissions.ToString(),
        ["Created"] = key.CreatedAt.UtcDateTime,
        ["Expires"] = key.ExpiresAt?.UtcDateTime.ToString("u") ?? "never",
    };

    /// <summary>A vault entry name that SecretManagement accepts, from the account and key names.</summary>
    public static string DefaultSecretName(string account, string keyName) =>
        "keyadmin-" + new string($"{account}-{keyName}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());

    /// <summary>Compares two SecureStrings in constant time without making a managed string of either.</summary>
    public static bool SameSecret(SecureString a, SecureString b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        var pa = Marshal.SecureStringToGlobalAllocUnicode(a);
        var pb = Marshal.SecureStringToGlobalAllocUnicode(b);
        try
        {
            unsafe
            {
                return CryptographicOperations.FixedTimeEquals(
                    new ReadOnlySpan<byte>((void*)pa, a.Length * 2),
                    new ReadOnlySpan<byte>((void*)pb, b.Length * 2));
            }
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pa);
            Marshal.ZeroFreeGlobalAllocUnicode(pb);
        }
    }
}
