using System.Security.Cryptography;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// The MAC that every row deciding security carries: HMAC-SHA256, under a key derived from the key-encryption key,
/// over the row's identity (table and id), its version (the audit sequence of the transaction that wrote it) and
/// every column the domain reads from it. Whoever writes the database without the key-encryption key can neither
/// change such a row, move it to another identity, nor forge one; setting a row back to an older version that was
/// valid once is caught by its version (<see cref="RowStamp"/>). Columns left out are named where they are.
/// </summary>
internal sealed class RowSeal
{
    public const int Size = 32;
    private readonly ReusableHmac hmac;

    public RowSeal(byte[] key) => hmac = new ReusableHmac(key);

    /// <summary>The reference of a row in the audit chain's row index: "table:id".</summary>
    public static string Ref(string table, string id) => table + ":" + id;

    /// <summary>The table and id of a reference made by <see cref="Ref"/>.</summary>
    public static (string Table, string Id) Split(string? reference)
    {
        var colon = reference?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon < 0 ? ("(unknown)", reference ?? string.Empty) : (reference![..colon], reference[(colon + 1)..]);
    }

    public byte[] Of(string table, string id, long version, Action<Canonical> fields) => Of(table, id, version, fields, static (c, f) => f(c));

    public byte[] Of<T>(string table, string id, long version, T row, Action<Canonical, T> fields)
    {
        var mac = new byte[Size];
        Compute(table, id, version, row, fields, mac);
        return mac;
    }

    public bool Matches(byte[]? stored, string table, string id, long version, Action<Canonical> fields) =>
        Matches(stored, table, id, version, fields, static (c, f) => f(c));

    /// <summary>Whether <paramref name="stored"/> is the seal of <paramref name="row"/>; computed into the stack, compared in constant time.</summary>
    public bool Matches<T>(byte[]? stored, string table, string id, long version, T row, Action<Canonical, T> fields)
    {
        if (stored is not { Length: Size })
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[Size];
        Compute(table, id, version, row, fields, expected);
        return FixedTime.MacEquals(stored, expected);
    }

    private void Compute<T>(string table, string id, long version, T row, Action<Canonical, T> fields, Span<byte> destination)
    {
        var canonical = Canonical.Rent();
        try
        {
            canonical.Add(table).Add(id).Add(version);
            fields(canonical, row);
            hmac.Compute(canonical.Span, destination);
        }
        finally
        {
            canonical.Return();
        }
    }

    /// <summary>The seal over a key's decision fields (<see cref="KeyDecision"/>) sits under its own name: never taken for the row's seal.</summary>
    public const string KeyDecisions = "api_keys#decisions";

    public const string AccountDecisions = "accounts#decisions";

    // A key's decision seal (schema 8): what a verifier decides on, so that an uncached verification reads and
    // checks only these columns. The row's own seal still covers every column, these included. Both are written by
    // every change of the row; a row without a decision seal (written before schema 8) is read whole instead.
    public static void DecisionFields(Canonical c, ApiKey k) =>
        Decision(c, k.AccountId, k.Permissions, k.IpBinding, k.StoredStatus, k.ExpiresAt, k.HasPassphrase, k.KeyVersions);

    public static void DecisionFields(Canonical c, KeyDecision k) =>
        Decision(c, k.AccountId, k.Permissions, k.IpBinding, k.StoredStatus, k.ExpiresAt, k.HasPassphrase, k.KeyVersions);

    public static void DecisionFields(Canonical c, Account a) => AccountDecision(c, (a.Name, a.RequireWithdrawalCode));

    /// <summary>An account's decision fields: the name a verifier reports and its withdrawal rule.</summary>
    public static void AccountDecision(Canonical c, (string Name, bool RequireWithdrawalCode) a) => c.Add(a.Name).Add(a.RequireWithdrawalCode);

    private static void Decision(Canonical c, string accountId, ApiKeyPermission permissions, IReadOnlyList<IpRule> binding, ApiKeyStatus status, DateTimeOffset? expires, bool hasPassphrase, KuCoinKeyVersions versions) => c
        .Add(accountId).Add((long)permissions).Add(IpBinding.Serialize(binding)).Add(status.ToString()).Add(expires).Add(hasPassphrase).Add((long)versions);

    public static void Fields(Canonical c, Account a)
    {
        c.Add(a.Name).Add(a.Email).Add(a.CreatedAt).Add(a.CreatedBy).Add(a.KeyLimit).Add(a.FailedCodeCount).Add(a.LockedUntil).Add(a.RequireWithdrawalCode);
        if (a.RecoveryStartedAt is not null || a.RecoveryUntil is not null)
        {
            c.Add("recovery").Add(a.RecoveryStartedAt).Add(a.RecoveryUntil);
        }
    }

    // The sealed seed is not part of it: AES-GCM authenticates it under the authenticator's id. The scope and the
    // suspension (schema 7; the migration gave every earlier row AutomationScopes.Default) are sealed for a person's
    // authenticator too, which its scope does not limit.
    public static void Fields(Canonical c, Authenticator a)
    {
        c.Add(a.AccountId).Add(a.Name).Add(a.Kind.ToString()).Add(a.Status.ToString()).Add(a.CreatedAt).Add(a.CreatedBy)
            .Add(a.ConfirmedAt).Add(a.RevokedAt).Add(a.LastUsedStep).Add(a.LastUsedAt);
        if (a.Scope != AutomationScopes.Default || a.SuspendedAt is not null)
        {
            c.Add("scope").Add((long)a.Scope).Add(a.SuspendedAt);
        }
    }

    /// <summary>A recovery code's row (schema 7): whose it is and its hash (the code's HMAC, bound to the account).</summary>
    public static void Fields(Canonical c, RecoveryCodeHash code) => c.Add(code.AccountId).Add(code.Hash).Add(code.CreatedAt);

    // Last use (time and address) is left out: it is written by every verifier in batches, decides nothing, and
    // is reported as what it is, a record of use. The sealed secret is authenticated by AES-GCM under the key id.
    // The account's name comes from the account's own row, sealed there.
    // Whether the key has KuCoin's passphrase (not the sealed passphrase: AES-GCM authenticates it under the key id)
    // and the versions it accepts come last, and only for a key that has either (schema 6): a row sealed before
    // schema 6 keeps its seal, and any change of the two still changes what is sealed.
    public static void Fields(Canonical c, ApiKey k)
    {
        c.Add(k.AccountId).Add(k.Name).Add(k.Memo).Add((long)k.Permissions).Add(IpBinding.Serialize(k.IpBinding)).Add(k.UnboundSensitiveAllowed)
            .Add(k.StoredStatus.ToString()).Add(k.CreatedAt).Add(k.CreatedBy).Add(k.ExpiresAt).Add(k.DisabledAt).Add(k.DisabledReason).Add(k.DeletedAt)
            .Add(k.PendingDelivery).Add(k.Vault).Add(k.VaultSecretName).Add(k.RotatedFrom).Add(k.RotatedTo);
        if (k.HasPassphrase || k.KeyVersions != KuCoinKeyVersions.None)
        {
            c.Add(k.HasPassphrase).Add((long)k.KeyVersions);
        }

        // The withdrawal codes' own failure count and lockout (schema 7): three fields, after the two above.
        if (k.WithdrawalFailedCodeCount != 0 || k.WithdrawalLockedUntil is not null)
        {
            c.Add("withdrawals").Add(k.WithdrawalFailedCodeCount).Add(k.WithdrawalLockedUntil);
        }
    }

    // The binding minimum (schema 6) likewise: only when it is not the default, so earlier seals stand.
    public static void Fields(Canonical c, KeyAdminPolicy p)
    {
        c.Add(p.MaxKeysPerAccount).Add(p.MaxFailedCodes).Add((long)p.LockoutDuration.TotalSeconds).Add((long)p.ConfirmationLifetime.TotalSeconds);
        if (p.MinBindingPrefixV4 != KeyAdminPolicy.DefaultMinBindingPrefixV4 || p.MinBindingPrefixV6 != KeyAdminPolicy.DefaultMinBindingPrefixV6)
        {
            c.Add(p.MinBindingPrefixV4).Add(p.MinBindingPrefixV6);
        }

        // The cooling-off of a reset (schema 7), tagged: the group above is two numbers.
        if (p.RecoveryCoolingOff != KeyAdminPolicy.Default.RecoveryCoolingOff)
        {
            c.Add("recovery").Add((long)p.RecoveryCoolingOff.TotalSeconds);
        }
    }

    public static void Fields(Canonical c, RotationRecord r) => c
        .Add(r.AccountName).Add(r.OldKeyId).Add(r.NewKeyId).Add(r.Vault).Add(r.SecretName).Add(r.VaultHeldOldKey).Add(r.State.ToString())
        .Add(r.GracePeriod is { } grace ? (long)grace.TotalSeconds : null).Add(r.RemoveOld).Add(r.TestRequired).Add(r.StartedAt).Add(r.StartedBy)
        .Add(r.UpdatedAt).Add(r.Error);
}

/// <summary>
/// A row's seal as read: its version and MAC, and the latest version the audit chain's row index knows for it.
/// A row whose version is older than the latest was set back; one newer than the index has lost its index entry.
/// </summary>
internal readonly record struct RowStamp(long? Version, byte[]? Mac, long? Latest);
