using System.Security;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Vaults;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Authority;

/// <summary>The life of an API key: create, list, label and bind, disable, enable, delete.</summary>
public sealed partial class KeyService
{
    private readonly Operations ops;

    internal KeyService(Operations ops) => this.ops = ops;

    /// <summary>Creates a key under R1 (2FA), R3, R4 (limit), R5/R6 (binding) and R14 (expiry); the secret is returned once.</summary>
    public IssuedKey Create(NewKeyRequest request, TwoFactorProof proof) => Create(request, proof, null);

    /// <summary>
    /// Creates a key; a rotation passes <see cref="AutomationScope.RotateKey"/>, the scope a job needs to create a
    /// successor, and the change of the rotation journal to commit with it.
    /// </summary>
    internal IssuedKey Create(NewKeyRequest request, TwoFactorProof proof, Action<IStoreWriter, ApiKey>? alsoInTransaction, AutomationScope scope = AutomationScope.CreateKey)
    {
        var name = Names.Key(request.Name);
        var memo = Names.Memo(request.Memo);
        var permissions = ApiKeyPermissions.Normalize(request.Permissions);
        var binding = IpBinding.Build(request.IpAddresses);
        // Checked now, so that a bad expiry costs no code; resolved again when the key is made, so that
        // -ExpiresIn 90 counts from the creation, not from before an authenticator prompt.
        _ = KeyExpiry.Resolve(ops.Now, request.ExpiresInDays, request.ExpiresAt);
        var versions = KeyVersionsFor(request, name);
        if (permissions.IsSensitive() && binding.Count == 0 && !request.AllowUnboundSensitive)
        {
            throw UnboundSensitive(name, permissions);
        }

        void Precheck(IStoreReader reader, Account account)
        {
            // R6: a binding of every address (0.0.0.0/0, ::/0) or of ranges wider than the policy allows is no binding.
            if (permissions.IsSensitive() && !IpBinding.Binds(binding, reader.ReadPolicy()) && !request.AllowUnboundSensitive)
            {
                throw UnboundSensitive(name, permissions);
            }

            var limit = account.KeyLimit ?? reader.ReadPolicy().MaxKeysPerAccount;
            var count = reader.CountLiveKeys(account.AccountId);
            if (count >= limit)
            {
                throw new KeyAdminException(
                    KeyAdminError.KeyLimitReached,
                    $"Account '{account.Name}' holds {count} of its {limit} keys (disabled keys count): delete a disabled key (Remove-ApiKey) or raise the account's limit (Set-KeyAdminAccount -KeyLimit).",
                    account.Name);
            }

            if (reader.FindKeyByName(account.AccountId, name) is not null)
            {
                throw new KeyAdminException(KeyAdminError.KeyNameExists, $"Account '{account.Name}' already has a key named '{name}'.", name);
            }
        }

        // Checked now, before a code is asked for; kept (and wiped at the end) to be sealed under the new key's id.
        var passphrase = request.Passphrase is null ? null : KeyPassphrase.ToBytes(request.Passphrase, name);
        var need = TwoFactorRequirement.KeyOperation("ApiKey.Create", scope, permissions, TwoFactorRequirement.TakesOver(permissions));
        try
        {
            return ops.Confirmed(request.Account, proof, need, name, Precheck, (tx, account, confirmedBy) =>
                Insert(tx, account, confirmedBy));
        }
        finally
        {
            if (passphrase is not null)
            {
                CryptographicOperations.ZeroMemory(passphrase);
            }
        }

        IssuedKey Insert(IStoreWriter tx, Account account, string? confirmedBy)
        {
            var key = new ApiKey
            {
                KeyId = KeyTokens.NewKeyId(),
                AccountId = account.AccountId,
                AccountName = account.Name,
                Name = name,
                Memo = memo,
                Permissions = permissions,
                IpBinding = binding,
                UnboundSensitiveAllowed = permissions.IsSensitive() && !IpBinding.Binds(binding, tx.ReadPolicy()),
                HasPassphrase = passphrase is not null,
                KeyVersions = versions,
                StoredStatus = request.StartDisabled ? ApiKeyStatus.Disabled : ApiKeyStatus.Enabled,
                DisabledAt = request.StartDisabled ? ops.Now : null,
                DisabledReason = request.StartDisabled ? "Awaiting delivery" : null,
                CreatedAt = ops.Now,
                CreatedBy = ops.Actor.ToString(),
                ExpiresAt = KeyExpiry.Resolve(ops.Now, request.ExpiresInDays, request.ExpiresAt),
                PendingDelivery = request.PendingDelivery,
                RotatedFrom = request.RotatedFrom,
            };

            var secret = NewSealedSecret(key.KeyId, out var sealedSecret);
            var sealedPassphrase = passphrase is null ? null : ops.Store.Secrets.Seal(passphrase, SealIdentity.ApiKeyPassphrase(key.KeyId));
            tx.InsertKey(key, sealedSecret, sealedPassphrase);
            tx.Append(ops.Audit(
                "ApiKey.Create",
                key,
                confirmedBy: confirmedBy,
                detail:
                $"Permissions={key.Permissions}; IpBinding={IpBinding.Serialize(binding)}; ExpiresAt={key.ExpiresAt:u}" +
                (key.HasPassphrase ? $"; Passphrase=True; KeyVersions={string.Join(",", key.KeyVersions.Numbers())}" : string.Empty) +
                (key.UnboundSensitiveAllowed ? "; UnboundSensitiveOverride=True" : string.Empty) +
                (key.PendingDelivery ? "; PendingDelivery=True" : string.Empty) +
                (key.RotatedFrom is null ? string.Empty : $"; RotatedFrom={key.RotatedFrom}")));
            alsoInTransaction?.Invoke(tx, key);
            return new IssuedKey(key, secret);
        }
    }

    /// <summary>Streams keys, optionally of one account; unknown accounts are an error, not an empty list.</summary>
    public IEnumerable<ApiKey> List(string? accountName = null, bool includeDeleted = false)
    {
        string? accountId = null;
        if (accountName is not null)
        {
            accountId = ops.Store.Read(r => Operations.RequireAccount(r, accountName).AccountId);
        }

        // The store reads ahead on another thread: the caller (Get-ApiKey) works on one key while the next are read.
        return ops.Store.StreamKeys(new KeyQuery { AccountId = accountId, IncludeDeleted = includeDeleted });
    }

    /// <summary>Streams keys as <see cref="List"/> does, with a key whose row fails its integrity check as its refusal, where it stands.</summary>
    public IEnumerable<Checked<ApiKey>> ListChecked(string? accountName = null, bool includeDeleted = false)
    {
        string? accountId = null;
        if (accountName is not null)
        {
            accountId = ops.Store.Read(r => Operations.RequireAccount(r, accountName).AccountId);
        }

        return ops.Store.StreamCheckedKeys(new KeyQuery { AccountId = accountId, IncludeDeleted = includeDeleted });
    }

    public ApiKey Get(string keyId) => ops.Store.Read(r => RequireKey(r, keyId));

    public ApiKey Get(string accountName, string name) => ops.Store.Read(r =>
    {
        var account = Operations.RequireAccount(r, accountName);
        return r.FindKeyByName(account.AccountId, name)
            ?? throw new KeyAdminException(KeyAdminError.KeyNotFound, $"Account '{account.Name}' has no key named '{name}'.", name);
    });

    /// <summary>Changes labels (R7) and the IP binding (R5); a binding change needs the authenticator.</summary>
    public ApiKey Update(string keyId, KeyChanges changes, TwoFactorProof proof)
    {
        var before = ops.ReadForChange(r => RequireKey(r, keyId));
        ApiKey Apply(IStoreReader reader, ApiKey key)
        {
            RequireNotDeleted(key);
            var updated = key;
            if (changes.NewName is not null)
            {
                var name = Names.Key(changes.NewName);
                var clash = reader.FindKeyByName(key.AccountId, name);
                if (clash is not null && clash.KeyId != key.KeyId)
                {
                    throw new KeyAdminException(KeyAdminError.KeyNameExists, $"Account '{key.AccountName}' already has a key named '{name}'.", name);
                }

                updated = updated with { Name = name };
            }

            if (changes.Memo is not null)
            {
                updated = updated with { Memo = Names.Memo(changes.Memo) };
            }

            if (changes.ChangesBinding)
            {
                var rules = changes.IpAddresses is not null ? IpBinding.Build(changes.IpAddresses).ToList() : key.IpBinding.ToList();
                foreach (var added in IpBinding.Build(changes.AddIpAddresses ?? Array.Empty<string>()).Where(r => !rules.Contains(r)))
                {
                    rules.Add(added);
                }

                var removed = IpBinding.Build(changes.RemoveIpAddresses ?? Array.Empty<string>());
                rules.RemoveAll(removed.Contains);
                IpBinding.Check(rules);
                var unbound = key.Permissions.IsSensitive() && !IpBinding.Binds(rules, reader.ReadPolicy());
                if (unbound && !key.UnboundSensitiveAllowed && !changes.AllowUnboundSensitive)
                {
                    throw UnboundSensitive(key.Name, key.Permissions);
                }

                updated = updated with { IpBinding = rules, UnboundSensitiveAllowed = unbound };
            }

            return updated;
        }

        void Store(IStoreWriter tx, ApiKey key, ApiKey updated, string? confirmedBy)
        {
            tx.UpdateKey(updated);
            tx.Append(ops.Audit("ApiKey.Update", key, updated.Name, confirmedBy, Describe(key, updated)));
        }

        if (!changes.ChangesBinding)
        {
            return Changed(ops.Store.Write(tx =>
            {
                var key = RequireKey(tx, keyId);
                var updated = Apply(tx, key);
                if (updated != key)
                {
                    Store(tx, key, updated, null);
                }

                return updated;
            }));
        }

        var need = TwoFactorRequirement.KeyOperation("ApiKey.Update", AutomationScope.SetKeyBinding, before.Permissions, takesOver: true);
        return Changed(ops.Confirmed(before.AccountName, proof, need, keyId,
            (reader, _) => Apply(reader, RequireKey(reader, keyId)),
            (tx, _, confirmedBy) =>
            {
                var key = RequireKey(tx, keyId);
                var updated = Apply(tx, key);
                Store(tx, key, updated, confirmedBy);
                return updated;
            }));
    }

    /// <summary>Stops the key at once (R9). Needs no code: stopping a key must never wait for a phone.</summary>
    public ApiKey Disable(string keyId, string? reason) => Changed(ops.Store.Write(tx =>
    {
        var key = RequireKey(tx, keyId);
        RequireNotDeleted(key);
        if (key.StoredStatus == ApiKeyStatus.Disabled)
        {
            return key;
        }

        var disabled = key with { StoredStatus = ApiKeyStatus.Disabled, DisabledAt = ops.Now, DisabledReason = reason };
        tx.UpdateKey(disabled);
        tx.Append(ops.Audit("ApiKey.Disable", key, reason: reason));
        return disabled;
    }));

    /// <summary>Re-enables a disabled, unexpired key; needs the authenticator (R9).</summary>
    public ApiKey Enable(string keyId, TwoFactorProof proof)
    {
        var key = ops.ReadForChange(r => RequireKey(r, keyId));
        if (key.StoredStatus == ApiKeyStatus.Enabled)
        {
            RequireNotExpired(key);
            return key;
        }

        void Precheck(IStoreReader reader, Account account)
        {
            var current = RequireKey(reader, keyId);
            RequireNotDeleted(current);
            RequireNotExpired(current);
            if (current.PendingDelivery)
            {
                throw new KeyAdminException(KeyAdminError.DeliveryMissing, $"Key '{current.Name}' ({current.KeyId}) was never delivered; nobody holds it. Remove it and create a new one.", current.KeyId);
            }
        }

        var need = TwoFactorRequirement.KeyOperation("ApiKey.Enable", AutomationScope.EnableKey, key.Permissions, takesOver: true);
        return Changed(ops.Confirmed(key.AccountName, proof, need, keyId, Precheck, (tx, _, confirmedBy) =>
        {
            var enabled = RequireKey(tx, keyId) with { StoredStatus = ApiKeyStatus.Enabled, DisabledAt = null, DisabledReason = null };
            tx.UpdateKey(enabled);
            tx.Append(ops.Audit("ApiKey.Enable", enabled, confirmedBy: confirmedBy));
            return enabled;
        }));
    }

    /// <summary>Deletes a disabled key for good: the sealed secret is destroyed, the audit record stays (R10).</summary>
    public ApiKey Remove(string keyId, TwoFactorProof proof) => Remove(keyId, proof, AutomationScope.RemoveKey);

    /// <summary>Deletes a disabled key; a rotation that retires its old key passes <see cref="AutomationScope.RotateKey"/>.</summary>
    internal ApiKey Remove(string keyId, TwoFactorProof proof, AutomationScope scope)
    {
        var key = ops.ReadForChange(r => RequireKey(r, keyId));
        void Precheck(IStoreReader reader, Account account)
        {
            var current = RequireKey(reader, keyId);
            RequireNotDeleted(current);
            if (current.StoredStatus != ApiKeyStatus.Disabled)
            {
                throw new KeyAdminException(KeyAdminError.KeyNotDisabled, $"Key '{current.Name}' ({current.KeyId}) is {current.StatusAt(ops.Now)}; disable it before deleting it.", current.KeyId);
            }
        }

        var need = TwoFactorRequirement.KeyOperation("ApiKey.Remove", scope, key.Permissions, takesOver: true);
        var deleted = ops.Confirmed(key.AccountName, proof, need, keyId, Precheck, (tx, _, confirmedBy) =>
        {
            var gone = RequireKey(tx, keyId) with { StoredStatus = ApiKeyStatus.Deleted, DeletedAt = ops.Now };
            tx.DestroyKey(gone);
            tx.Append(ops.Audit("ApiKey.Remove", gone, confirmedBy: confirmedBy));
            return gone;
        });

        ops.Store.PurgeDestroyed();
        return Changed(deleted);
    }

    /// <summary>Tells this process's verifiers, after the commit, that the key changed (R9: the next request sees it).</summary>
    internal ApiKey Changed(ApiKey key)
    {
        KeyChangeSignal.Publish(ops.Store.Description.Location, key.KeyId);
        return key;
    }

    private SecureString NewSealedSecret(string keyId, out byte[] sealedSecret)
    {
        Span<char> secret = stackalloc char[KeyTokens.SecretLength];
        Span<byte> utf8 = stackalloc byte[KeyTokens.SecretLength];
        try
        {
            KeyTokens.NewSecret(secret);
            Encoding.ASCII.GetBytes(secret, utf8);
            sealedSecret = ops.Store.Secrets.Seal(utf8, SealIdentity.ApiKey(keyId));
            var secure = new SecureString();
            foreach (var c in secret)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }
        finally
        {
            secret.Clear();
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    internal static ApiKey RequireKey(IStoreReader reader, string keyId) =>
        reader.FindKey(keyId) ?? throw new KeyAdminException(KeyAdminError.KeyNotFound, $"There is no key with id '{keyId}'.", keyId);

    private static void RequireNotDeleted(ApiKey key)
    {
        if (key.StoredStatus == ApiKeyStatus.Deleted)
        {
            throw new KeyAdminException(KeyAdminError.KeyDeleted, $"Key '{key.Name}' ({key.KeyId}) is deleted; deletion is final.", key.KeyId);
        }
    }

    private void RequireNotExpired(ApiKey key)
    {
        if (key.ExpiresAt is { } expires && expires <= ops.Now)
        {
            throw new KeyAdminException(KeyAdminError.KeyExpired, $"Key '{key.Name}' ({key.KeyId}) expired at {expires:u}; create a new key instead.", key.KeyId);
        }
    }

    private static KeyAdminException UnboundSensitive(string name, ApiKeyPermission permissions) => new(
        KeyAdminError.UnboundSensitivePermission,
        $"Key '{name}' grants {permissions & ApiKeyPermissions.Sensitive}, which needs an IP binding to known networks (-IpAddress; every-address ranges such as 0.0.0.0/0, and ranges wider than the policy's minimum prefix, do not count); to grant it from anywhere, say so with -AllowUnboundSensitive.",
        name);

    /// <summary>The versions a key accepts: none without a passphrase, 2 and 3 with one unless the request names others.</summary>
    private static KuCoinKeyVersions KeyVersionsFor(NewKeyRequest request, string name)
    {
        if (request.Passphrase is null)
        {
            return request.KeyVersions is null or KuCoinKeyVersions.None
                ? KuCoinKeyVersions.None
                : throw new KeyAdminException(KeyAdminError.InvalidKeyVersion, $"Key '{name}' has no passphrase, so it has no KuCoin key versions: give -Passphrase too, or no -KeyVersion.", name);
        }

        var versions = request.KeyVersions ?? KuCoinKeyVersion.Default;
        return (versions & ~KuCoinKeyVersion.All) == 0 && versions != KuCoinKeyVersions.None
            ? versions
            : throw new KeyAdminException(KeyAdminError.InvalidKeyVersion, $"The key versions of key '{name}' must be one or more of 1, 2 and 3.", name);
    }

    private static string Describe(ApiKey before, ApiKey after)
    {
        var parts = new List<string>();
        if (before.Name != after.Name)
        {
            parts.Add($"Name={before.Name}->{after.Name}");
        }

        if (before.Memo != after.Memo)
        {
            parts.Add("Memo changed");
        }

        var beforeBinding = IpBinding.Serialize(before.IpBinding);
        var afterBinding = IpBinding.Serialize(after.IpBinding);
        if (beforeBinding != afterBinding)
        {
            parts.Add($"IpBinding={beforeBinding}->{afterBinding}");
        }

        if (after.UnboundSensitiveAllowed && !before.UnboundSensitiveAllowed)
        {
            parts.Add("UnboundSensitiveOverride=True");
        }

        return string.Join("; ", parts);
    }
}
