using System.Security;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Vaults;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// Rotation without downtime (R11): create the successor, deliver it where the applications read, confirm it
/// works, then retire the old key. Every step is journalled before the next, so a crash at any point leaves a
/// state that the next run completes or undoes, and the applications always hold a working credential.
/// </summary>
public sealed class RotationService
{
    private readonly Operations ops;
    private readonly KeyService keys;

    internal RotationService(Operations ops, KeyService keys)
    {
        this.ops = ops;
        this.keys = keys;
    }

    [ThreadStatic]
    private static Action<RotationState>? afterStep;

    /// <summary>Called after each journalled step on the rotating thread; tests use it to stop the process there.</summary>
    internal static Action<RotationState>? AfterStep
    {
        get => afterStep;
        set => afterStep = value;
    }

    public IReadOnlyList<RotationRecord> List(bool unfinishedOnly = false) => ops.Store.Read(r => r.ListRotations(unfinishedOnly));

    public RotationRecord Get(string rotationId) => ops.Store.Read(r => r.FindRotation(rotationId))
        ?? throw new KeyAdminException(KeyAdminError.RotationNotFound, $"There is no rotation '{rotationId}'.", rotationId);

    /// <summary>What rotating <paramref name="keyId"/> would do; every check that can fail before a change fails here.</summary>
    public RotationPlan Plan(string keyId, RotationOptions options, Func<string, ICredentialVault> vaults)
    {
        var old = keys.Get(keyId);
        if (old.StatusAt(ops.Now) != ApiKeyStatus.Enabled || old.PendingDelivery)
        {
            throw new KeyAdminException(KeyAdminError.RotationNotPossible, $"Key '{old.Name}' ({old.KeyId}) is {old.StatusAt(ops.Now)}; only an enabled, delivered key is rotated.", old.KeyId);
        }

        if (options.Passphrase is not null && !old.HasPassphrase)
        {
            throw new KeyAdminException(KeyAdminError.RotationNotPossible, $"Key '{old.Name}' ({old.KeyId}) has no passphrase to renew: its applications sign with the KA-API-* headers. Create a key with -Passphrase for KuCoin's clients instead.", old.KeyId);
        }

        if (options.Passphrase is not null)
        {
            // Checked before anything changes, as the successor's creation would check it.
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(KeyPassphrase.ToBytes(options.Passphrase, old.Name));
        }

        if (options.RemoveOld && options.GracePeriod is not null)
        {
            throw new KeyAdminException(KeyAdminError.RotationNotPossible, "-RemoveOld deletes the old key at once, which a grace period would keep working: choose one.", old.KeyId);
        }

        var vaultName = options.Vault ?? old.Vault
            ?? throw new KeyAdminException(KeyAdminError.DeliveryMissing, $"Key '{old.Name}' was not delivered to a vault; give -Vault and -SecretName of the entry the applications read.", old.KeyId);
        var secretName = options.SecretName
            ?? (string.Equals(vaultName, old.Vault, StringComparison.OrdinalIgnoreCase) ? old.VaultSecretName : null)
            ?? VaultDelivery.DefaultSecretName(old.AccountName, old.Name);

        ops.Store.Read(reader =>
        {
            if (reader.ListRotations(unfinishedOnly: true).FirstOrDefault(r => r.OldKeyId == old.KeyId) is { } running)
            {
                throw new KeyAdminException(KeyAdminError.RotationInProgress, $"Key '{old.Name}' has an unfinished rotation {running.RotationId} ({running.State}); Resume-ApiKeyRotation completes or undoes it.", running.RotationId);
            }

            var account = Operations.RequireAccount(reader, old.AccountName);
            if (account.IsRecoveringAt(ops.Now) && (options.RemoveOld || TwoFactorRequirement.TakesOver(old.Permissions)))
            {
                throw new KeyAdminException(
                    KeyAdminError.RecoveryPending,
                    $"A reset of the authenticator of account '{account.Name}' cools off until {account.RecoveryUntil:u}: until then a rotation may neither create a {old.Permissions} key nor delete one.",
                    account.Name);
            }

            var limit = account.KeyLimit ?? reader.ReadPolicy().MaxKeysPerAccount;
            var count = reader.CountLiveKeys(account.AccountId);
            if (count >= limit)
            {
                throw new KeyAdminException(
                    KeyAdminError.KeyLimitReached,
                    $"Account '{account.Name}' holds {count} of its {limit} keys, and a rotation needs a free place for the successor before the old key retires: remove a disabled key (Remove-ApiKey) or raise the limit (Set-KeyAdminAccount -KeyLimit).",
                    account.Name);
            }

            return true;
        });

        var existing = vaults(vaultName).Read(secretName);
        if (existing is not null && !string.Equals(existing.KeyId, old.KeyId, StringComparison.Ordinal))
        {
            throw new KeyAdminException(KeyAdminError.VaultEntryInUse, $"Vault '{vaultName}' entry '{secretName}' holds another secret; KeyAdmin never overwrites it.", secretName);
        }

        var retirement = options.GracePeriod is { } grace ? $"old key expires in {grace}" : options.RemoveOld ? "old key disabled and deleted" : "old key disabled at once";
        return new RotationPlan(old.AccountName, old.Name, old.KeyId, vaultName, secretName, existing is not null, retirement);
    }

    /// <summary>Rotates one key; on any failure before retirement everything is undone and the failure thrown.</summary>
    public RotationOutcome Rotate(string keyId, RotationOptions options, TwoFactorProof proof, Func<string, ICredentialVault> vaults, Func<VaultCredential, bool>? test)
    {
        var plan = Plan(keyId, options, vaults);
        var old = keys.Get(keyId);
        var rotation = new RotationRecord
        {
            RotationId = Guid.NewGuid().ToString("N"),
            AccountName = old.AccountName,
            OldKeyId = old.KeyId,
            Vault = plan.Vault,
            SecretName = plan.SecretName,
            VaultHeldOldKey = plan.VaultHeldOldKey,
            State = RotationState.Planned,
            GracePeriod = options.GracePeriod,
            RemoveOld = options.RemoveOld,
            TestRequired = test is not null,
            StartedAt = ops.Now,
            StartedBy = ops.Actor.ToString(),
            UpdatedAt = ops.Now,
        };
        ops.Store.Write(tx =>
        {
            tx.InsertRotation(rotation);
            tx.Append(Record(tx, rotation, $"Vault={rotation.Vault}; SecretName={rotation.SecretName}; Retirement={plan.Retirement}"));
            return true;
        });
        AfterStep?.Invoke(RotationState.Planned);

        // The passphrase is kept (the applications' configuration stays as it is) or renewed with -Passphrase; the
        // versions the key accepts stay the same.
        var passphrase = old.HasPassphrase ? options.Passphrase ?? keys.RevealCredential(old.KeyId).Passphrase : null;
        IssuedKey issued;
        try
        {
            issued = keys.Create(
                new NewKeyRequest
                {
                    Account = old.AccountName,
                    Name = TemporaryName(old.Name),
                    Permissions = old.Permissions,
                    IpAddresses = old.IpBinding.Select(r => r.ToString()).ToArray(),
                    Memo = old.Memo,
                    ExpiresAt = old.ExpiresAt is { } expires ? ops.Now + (expires - old.CreatedAt) : null,
                    AllowUnboundSensitive = old.UnboundSensitiveAllowed,
                    PendingDelivery = true,
                    RotatedFrom = old.KeyId,
                    Passphrase = passphrase,
                    KeyVersions = old.HasPassphrase ? old.KeyVersions : null,
                },
                proof,
                (tx, created) => rotation = Step(tx, rotation with { NewKeyId = created.KeyId }, RotationState.Created),
                AutomationScope.RotateKey);
        }
        catch (KeyAdminException e)
        {
            Finish(rotation, RotationState.RolledBack, e.Message);
            throw;
        }

        AfterStep?.Invoke(RotationState.Created);
        return Continue(rotation, proof, vaults, test, new VaultCredential(issued.Key.KeyId, issued.Secret) { Passphrase = passphrase });
    }

    /// <summary>Completes an unfinished rotation from its last journalled step, or undoes it.</summary>
    public RotationOutcome Resume(string rotationId, TwoFactorProof proof, Func<string, ICredentialVault> vaults, Func<VaultCredential, bool>? test, bool undo)
    {
        var rotation = Get(rotationId);
        if (rotation.IsFinished)
        {
            // Asking to undo a completed rotation (or to complete an undone one) is not something to report as done.
            if (undo ? rotation.State == RotationState.Completed : rotation.State == RotationState.RolledBack)
            {
                throw new KeyAdminException(
                    KeyAdminError.RotationNotPossible,
                    undo
                        ? $"Rotation {rotationId} is already completed and the old key retired; it cannot be undone. To go back, rotate the key again (Invoke-ApiKeyRotation)."
                        : $"Rotation {rotationId} was undone; it cannot be completed. Rotate the key again (Invoke-ApiKeyRotation).",
                    rotationId);
            }

            return Outcome(rotation, $"The rotation is already {rotation.State}.");
        }

        if (undo || rotation.State == RotationState.Planned || rotation.NewKeyId is null)
        {
            if (rotation.State >= RotationState.Retired)
            {
                throw new KeyAdminException(KeyAdminError.RotationNotPossible, "The old key is already retired; this rotation can only be completed.", rotationId);
            }

            return Undo(rotation, vaults, "undone on request");
        }

        if (rotation.TestRequired && test is null && rotation.State < RotationState.Tested)
        {
            throw new KeyAdminException(KeyAdminError.RotationTestFailed, "This rotation asked for a test before the old key retires: pass -Test, or -Undo.", rotationId);
        }

        return Continue(rotation, proof, vaults, test, keys.RevealCredential(rotation.NewKeyId));
    }

    private RotationOutcome Continue(RotationRecord rotation, TwoFactorProof proof, Func<string, ICredentialVault> vaults, Func<VaultCredential, bool>? test, VaultCredential credential)
    {
        var newKeyId = rotation.NewKeyId!;
        if (rotation.State < RotationState.Delivered)
        {
            try
            {
                var vault = vaults(rotation.Vault);
                VaultDelivery.Deliver(vault, rotation.SecretName, keys.Get(newKeyId), credential, ops.Store.StoreId);
                rotation = ops.Store.Write(tx =>
                {
                    keys.CompleteDelivery(tx, newKeyId, rotation.Vault, rotation.SecretName, enable: false);
                    return Step(tx, rotation, RotationState.Delivered);
                });
            }
            catch (KeyAdminException e)
            {
                Undo(rotation with { State = RotationState.Delivered }, vaults, e.Message);
                throw;
            }

            AfterStep?.Invoke(RotationState.Delivered);
        }

        if (rotation.State < RotationState.Tested)
        {
            var passed = false;
            string? why = null;
            try
            {
                passed = test is null || test(credential);
                why = passed ? null : "the test returned false";
            }
            catch (RotationTestFailure e)
            {
                why = e.Message;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                why = "the test threw: " + e.Message;
            }

            if (!passed)
            {
                Undo(rotation, vaults, why!);
                throw new KeyAdminException(KeyAdminError.RotationTestFailed, $"The successor of key {rotation.OldKeyId} failed its test ({why}); the rotation was undone and the old key still works.", rotation.OldKeyId);
            }

            rotation = ops.Store.Write(tx => Step(tx, rotation, RotationState.Tested, test is null ? "no test given" : null));
            AfterStep?.Invoke(RotationState.Tested);
        }

        if (rotation.State < RotationState.Retired)
        {
            rotation = ops.Store.Write(tx => Retire(tx, rotation));
            AfterStep?.Invoke(RotationState.Retired);
        }

        if (rotation.RemoveOld)
        {
            var old = keys.Get(rotation.OldKeyId);
            if (old.StoredStatus != ApiKeyStatus.Deleted)
            {
                keys.Remove(rotation.OldKeyId, proof, AutomationScope.RotateKey);
            }
        }

        rotation = Finish(rotation, RotationState.Completed, null);
        return Outcome(rotation, rotation.RemoveOld ? "Rotated; the old key is deleted." : rotation.GracePeriod is { } grace ? $"Rotated; the old key works until {ops.Now + grace:u}." : "Rotated; the old key is disabled.");
    }

    /// <summary>One transaction: names move to the successor, lineage is recorded both ways, the old key retires.</summary>
    private RotationRecord Retire(IStoreWriter tx, RotationRecord rotation)
    {
        var old = KeyService.RequireKey(tx, rotation.OldKeyId);
        var successor = KeyService.RequireKey(tx, rotation.NewKeyId!);
        var retiredName = Truncate($"{old.Name} (retired {ops.Now:yyyy-MM-dd HH:mm:ss})");
        var retired = rotation.GracePeriod is { } grace
            ? old with { Name = retiredName, RotatedTo = successor.KeyId, ExpiresAt = old.ExpiresAt is { } e && e < ops.Now + grace ? e : ops.Now + grace, Vault = null, VaultSecretName = null }
            : old with { Name = retiredName, RotatedTo = successor.KeyId, StoredStatus = ApiKeyStatus.Disabled, DisabledAt = ops.Now, DisabledReason = $"Rotated to {successor.KeyId}", Vault = null, VaultSecretName = null };
        tx.UpdateKey(retired);
        tx.UpdateKey(successor with { Name = old.Name });
        tx.Append(ops.Audit(rotation.GracePeriod is null ? "ApiKey.Disable" : "ApiKey.Update", old, retiredName,
            detail: $"RotatedTo={successor.KeyId}" + (rotation.GracePeriod is { } g ? $"; ExpiresAt={retired.ExpiresAt:u}" : string.Empty), reason: "Rotation " + rotation.RotationId));
        var step = Step(tx, rotation, RotationState.Retired);
        keys.Changed(retired);
        return step;
    }

    /// <summary>Puts the old credential back (or removes the entry it did not hold), destroys the successor, journals it.</summary>
    private RotationOutcome Undo(RotationRecord rotation, Func<string, ICredentialVault> vaults, string why)
    {
        if (rotation.State >= RotationState.Delivered)
        {
            var vault = vaults(rotation.Vault);
            if (rotation.VaultHeldOldKey)
            {
                VaultDelivery.Deliver(vault, rotation.SecretName, keys.Get(rotation.OldKeyId), keys.RevealCredential(rotation.OldKeyId), ops.Store.StoreId);
            }
            else
            {
                KeyService.TryRemove(vault, rotation.SecretName);
            }
        }

        if (rotation.NewKeyId is not null)
        {
            keys.Abandon(rotation.NewKeyId, "rotation " + rotation.RotationId + " undone");
        }

        rotation = Finish(rotation, RotationState.RolledBack, why);
        return Outcome(rotation, "Undone: " + why);
    }

    private RotationRecord Finish(RotationRecord rotation, RotationState state, string? error) =>
        ops.Store.Write(tx => Step(tx, rotation, state, error));

    private RotationRecord Step(IStoreWriter tx, RotationRecord rotation, RotationState state, string? note = null)
    {
        var next = rotation with { State = state, UpdatedAt = ops.Now, Error = note ?? rotation.Error };
        tx.UpdateRotation(next);
        tx.Append(Record(tx, next, note));
        return next;
    }

    private Audit.AuditEntry Record(IStoreReader tx, RotationRecord rotation, string? detail) =>
        ops.Audit("Rotation." + rotation.State, KeyService.RequireKey(tx, rotation.OldKeyId), rotation.RotationId,
            detail: $"NewKeyId={rotation.NewKeyId}" + (detail is null ? string.Empty : "; " + detail)) with
        {
            Outcome = rotation.State == RotationState.RolledBack ? Audit.AuditOutcome.Refused : Audit.AuditOutcome.Succeeded,
        };

    /// <summary>The outcome, named after the key the applications now use: the successor once completed, else the old key.</summary>
    private RotationOutcome Outcome(RotationRecord r, string message)
    {
        var current = r.State == RotationState.Completed && r.NewKeyId is not null ? r.NewKeyId : r.OldKeyId;
        var name = ops.Store.Read(reader => reader.FindKey(current))?.Name ?? string.Empty;
        return new(r.RotationId, r.AccountName, name, r.OldKeyId, r.NewKeyId, r.Vault, r.SecretName, r.State, message);
    }

    private static string TemporaryName(string name) => Truncate(name + " (rotating)");

    private static string Truncate(string name) => name.Length <= Accounts.Names.MaxKeyNameLength ? name : name[..Accounts.Names.MaxKeyNameLength];
}
