using System.Security;
using System.Security.Cryptography;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Vaults;

/// <summary>
/// The key-encryption key kept in a SecretManagement vault entry (Connect-KeyAdminStore -KeyVault), so that a
/// team or a service reads it from its vault and no key file lies beside the store. Stored as a SecureString of
/// its Base64, the one secret type every vault extension supports.
/// </summary>
internal sealed class VaultKeyEncryptionKeySource : IKeyEncryptionKeySource
{
    private readonly SecretManagementVault vault;
    private readonly string secretName;

    public VaultKeyEncryptionKeySource(SecretManagementVault vault, string secretName)
    {
        this.vault = vault;
        this.secretName = secretName;
    }

    public string Description => $"vault '{vault.Name}' entry '{secretName}'";

    public byte[]? Load()
    {
        var value = vault.ReadValue(secretName);
        if (value is null)
        {
            return null;
        }

        var text = value switch
        {
            SecureString secure => Cmdlets.SecureText.ToPlain(secure),
            string plain => plain,
            _ => string.Empty,
        };

        var key = new byte[32];
        if (!Convert.TryFromBase64String(text, key, out var length) || length != key.Length)
        {
            throw new KeyAdminException(KeyAdminError.KeyEncryptionKeyMismatch, $"The {Description} does not hold a KeyAdmin key-encryption key.", Description);
        }

        return key;
    }

    public byte[] Create()
    {
        var key = SecretBox.NewKey();
        var secure = new SecureString();
        foreach (var c in Convert.ToBase64String(key))
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        vault.WriteValue(secretName, secure, new System.Collections.Hashtable { ["KeyAdmin"] = "key-encryption key" });
        var stored = Load();
        if (stored is null || !CryptographicOperations.FixedTimeEquals(stored, key))
        {
            throw new KeyAdminException(KeyAdminError.VaultReadBackMismatch, $"The {Description} did not return the key-encryption key that was written.", Description);
        }

        return key;
    }
}
