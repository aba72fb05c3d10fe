using System.Security;
using System.Security.Cryptography;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Vaults;

namespace KeyAdmin.Core.Authority;

/// <summary>Keys handed over through a vault: created pending, delivered, then enabled, or abandoned.</summary>
public sealed partial class KeyService
{
    /// <summary>
    /// Creates a key and delivers its credential into <paramref name="vault"/> (R2): the key is created disabled,
    /// written, read back and compared, and only then enabled. If the vault is missing or locked, or the write or
    /// read-back fails, the key is destroyed and the entry removed: nothing is left that nobody holds. An entry that
    /// already holds something is never overwritten.
    /// </summary>
    public IssuedKey CreateAndDeliver(NewKeyRequest request, TwoFactorProof proof, ICredentialVault vault, string? secretName)
    {
        var entry = secretName ?? VaultDelivery.DefaultSecretName(request.Account, request.Name);
        if (vault.Read(entry) is not null)
        {
            throw new KeyAdminException(KeyAdminError.VaultEntryInUse, $"Vault '{vault.Name}' already has an entry '{entry}'; choose another -SecretName (KeyAdmin never overwrites another secret).", entry);
        }

        var issued = Create(request with { PendingDelivery = true, StartDisabled = true }, proof);
        try
        {
            VaultDelivery.Deliver(vault, entry, issued.Key, new VaultCredential(issued.Key.KeyId, issued.Secret) { Passphrase = request.Passphrase }, ops.Store.StoreId);
        }
        catch (KeyAdminException)
        {
            TryRemove(vault, entry);
            Abandon(issued.Key.KeyId, $"delivery to vault '{vault.Name}' failed");
            throw;
        }

        var delivered = Changed(ops.Store.Write(tx => CompleteDelivery(tx, issued.Key.KeyId, vault.Name, entry, enable: true)));
        return issued with { Key = delivered };
    }

    /// <summary>Records where a pending key was delivered, enabling it when it was created disabled for delivery.</summary>
    internal ApiKey CompleteDelivery(IStoreWriter tx, string keyId, string vault, string secretName, bool enable)
    {
        var key = RequireKey(tx, keyId);
        var delivered = key with
        {
            PendingDelivery = false,
            Vault = vault,
            VaultSecretName = secretName,
            StoredStatus = enable ? ApiKeyStatus.Enabled : key.StoredStatus,
            DisabledAt = enable ? null : key.DisabledAt,
            DisabledReason = enable ? null : key.DisabledReason,
        };
        tx.UpdateKey(delivered);
        tx.Append(ops.Audit("ApiKey.Deliver", key, detail: $"Vault={vault}; SecretName={secretName}"));
        return delivered;
    }

    /// <summary>Destroys a key that was never handed over (a failed delivery or an undone rotation); needs no code.</summary>
    internal void Abandon(string keyId, string reason)
    {
        var abandoned = ops.Store.Write(tx =>
        {
            var key = RequireKey(tx, keyId);
            if (key.StoredStatus == ApiKeyStatus.Deleted)
            {
                return key;
            }

            if (!key.PendingDelivery && key.RotatedFrom is null)
            {
                throw new KeyAdminException(KeyAdminError.KeyNotDisabled, $"Key {key.KeyId} was handed over; only Remove-ApiKey deletes it.", key.KeyId);
            }

            var gone = key with { StoredStatus = ApiKeyStatus.Deleted, DeletedAt = ops.Now };
            tx.DestroyKey(gone);
            tx.Append(ops.Audit("ApiKey.Abandon", key, reason: reason));
            return gone;
        });
        ops.Store.PurgeDestroyed();
        Changed(abandoned);
    }

    /// <summary>
    /// A key's credential as the vault holds it (id, secret and, for a key with one, passphrase), opened from the
    /// store's sealed copies: for re-delivery by a rotation's undo or resume, and to carry a passphrase over to a
    /// successor. Never output.
    /// </summary>
    internal VaultCredential RevealCredential(string keyId)
    {
        var (sealedSecret, sealedPassphrase) = ops.Store.Read(r => (r.ReadSealedSecret(keyId), r.ReadSealedPassphrase(keyId)));
        if (sealedSecret is null)
        {
            throw new KeyAdminException(KeyAdminError.KeyDeleted, $"The secret of key {keyId} is destroyed.", keyId);
        }

        return new VaultCredential(keyId, Open(sealedSecret, SealIdentity.ApiKey(keyId)))
        {
            Passphrase = sealedPassphrase is null ? null : Open(sealedPassphrase, SealIdentity.ApiKeyPassphrase(keyId)),
        };
    }

    private SecureString Open(byte[] sealedValue, string identity)
    {
        var plain = ops.Store.Secrets.Open(sealedValue, identity);
        try
        {
            var secure = new SecureString();
            foreach (var b in plain)
            {
                secure.AppendChar((char)b);
            }

            secure.MakeReadOnly();
            return secure;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    internal static void TryRemove(ICredentialVault vault, string entry)
    {
        try
        {
            vault.Remove(entry);
        }
        catch (KeyAdminException)
        {
            // Best effort: the entry may never have been written.
        }
    }
}
