using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.TwoFactor;
using System.Data.Common;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// Rows as domain values, in the column orders the session selects: the tables have the same columns in every
/// engine (times as Unix milliseconds, flags as 0/1 or booleans, which GetBoolean reads either way), so one mapping
/// serves all. Each sealed row is followed by its <see cref="RowStamp"/> (version, MAC, latest indexed version).
/// </summary>
internal static class StoreRows
{
    public const string AccountColumns =
        "account_id, name, email, created_at, created_by, key_limit, failed_codes, locked_until, require_withdrawal_code, recovery_started_at, recovery_until";

    public const string AuthenticatorColumns =
        "authenticator_id, account_id, name, kind, status, created_at, created_by, confirmed_at, revoked_at, last_used_step, last_used_at, scope, suspended_at";

    public const string RotationColumns =
        "rotation_id, account, old_key_id, new_key_id, vault_name, secret_name, vault_held_old, state, grace_seconds, remove_old, test_required, started_at, started_by, updated_at, error";

    public const string PolicyColumns = "max_keys, max_failed_codes, lockout_seconds, confirmation_seconds, min_binding_prefix_v4, min_binding_prefix_v6, recovery_seconds";

    public const string AuditColumns = "seq, at, actor, actor_host, action, account, key_id, target, outcome, reason, confirmed_by, detail, prev_hash, hash, row_refs, account_id";

    public const string RecoveryCodeColumns = "code_id, account_id, hash, created_at";

    /// <summary>How many audit columns there are: where a query that follows them with more values finds those.</summary>
    public static readonly int AuditColumnCount = Count(AuditColumns);

    private const string KeyOwnColumns =
        "k.key_id, k.account_id, a.name, k.name, k.memo, k.permissions, k.ip_binding, k.unbound_sensitive, k.status, " +
        "k.created_at, k.created_by, k.expires_at, k.disabled_at, k.disabled_reason, k.deleted_at, k.last_used_at, k.last_used_address, " +
        "k.pending_delivery, k.vault_name, k.vault_secret_name, k.rotated_from, k.rotated_to, k.passphrase IS NOT NULL, k.key_versions, " +
        "k.withdrawal_failures, k.withdrawal_locked_until";

    /// <summary>The key's columns (k), then its stamp, then its account's columns (a) and stamp: one row says all a verifier needs.</summary>
    public static readonly string KeyColumns =
        KeyOwnColumns + ", " + Stamp(Tables.Keys, "k.key_id", "k.") + ", " + Aliased("a.", AccountColumns) + ", " + Stamp(Tables.Accounts, "a.account_id", "a.");

    /// <summary>
    /// A listing's columns: the key's own and its stamp, with its account's version only (the stream checks each
    /// account's row once, before the keys, in the same snapshot): a third fewer columns read per key.
    /// </summary>
    public static readonly string KeyListColumns = KeyOwnColumns + ", " + Stamp(Tables.Keys, "k.key_id", "k.") + ", a.row_version";

    /// <summary>
    /// <see cref="KeyListColumns"/> with each value's type, as the schema declares it, for a listing that reads each
    /// key as one packed value (<see cref="Sql.SqlDialect.PackRow"/>) at the same ordinals.
    /// </summary>
    public static IReadOnlyList<(string Expression, Sql.SqlType Type)> KeyListValues => KeyListTyped.Value;

    private static readonly Lazy<IReadOnlyList<(string, Sql.SqlType)>> KeyListTyped = new(() => KeyListColumns.Split(", ").Select(TypeOf).ToArray());

    private static (string, Sql.SqlType) TypeOf(string expression)
    {
        if (expression.EndsWith(" IS NOT NULL", StringComparison.Ordinal))
        {
            return (expression, Sql.SqlType.Bool);
        }

        if (expression.StartsWith("(SELECT max(", StringComparison.Ordinal))
        {
            return (expression, Sql.SqlType.Long);
        }

        var table = expression.StartsWith("k.", StringComparison.Ordinal) ? Tables.Keys
            : expression.StartsWith("a.", StringComparison.Ordinal) ? Tables.Accounts
            : throw new InvalidOperationException($"The listing column '{expression}' names no table.");
        var column = StoreSchema.ColumnsOf(table).SingleOrDefault(c => c.Name == expression[2..])
            ?? throw new InvalidOperationException($"The listing column '{expression}' is not in the schema.");
        return (expression, column.Type);
    }

    // The ordinals follow from the column lists, so that a column added to a table moves its stamp with it.
    public static readonly int KeyStamp = Count(KeyOwnColumns);
    public static readonly int KeyAccount = KeyStamp + 3;
    public static readonly int KeyAccountStamp = KeyAccount + Count(AccountColumns);

    /// <summary>Where a whole-row lookup for a verifier (<c>KeyColumns, k.secret, k.passphrase</c>) finds the sealed secret.</summary>
    public static readonly int KeyMaterialSecret = KeyAccountStamp + 3;

    /// <summary>
    /// A verifier's lookup: the key's decision fields, its sealed secret and passphrase, its decision stamp, then its
    /// account's name, withdrawal rule and decision stamp (RowSeal.DecisionFields). A third of the whole row.
    /// </summary>
    public static readonly string DecisionColumns =
        "k.key_id, k.account_id, k.permissions, k.ip_binding, k.status, k.expires_at, k.passphrase IS NOT NULL, k.key_versions, k.secret, k.passphrase, " +
        Stamp(Tables.Keys, "k.key_id", "k.", "decision_mac") + ", a.name, a.require_withdrawal_code, " + Stamp(Tables.Accounts, "a.account_id", "a.", "decision_mac");

    public const int DecisionKeyStamp = 10;
    public const int DecisionAccount = 13;
    public const int DecisionAccountStamp = 15;

    /// <summary>A key's decision fields as <see cref="DecisionColumns"/> selects them, its account's with them.</summary>
    public static KeyDecision ReadDecision(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(DecisionAccount),
        (ApiKeyPermission)r.GetInt32(2),
        IpBinding.Deserialize(r.GetString(3)),
        Exact<ApiKeyStatus>(r.GetString(4)),
        NullableTime(r, 5),
        r.GetBoolean(6),
        (KuCoinKeyVersions)r.GetInt32(7),
        r.GetBoolean(DecisionAccount + 1));

    public static readonly string AccountSelect = AccountColumns + ", " + Stamp(Tables.Accounts, "account_id");
    public static readonly int AccountStamp = Count(AccountColumns);

    public static readonly string AuthenticatorSelect = AuthenticatorColumns + ", " + Stamp(Tables.Authenticators, "authenticator_id");
    public static readonly int AuthenticatorStamp = Count(AuthenticatorColumns);

    public static readonly string RotationSelect = RotationColumns + ", " + Stamp(Tables.Rotations, "rotation_id");
    public static readonly int RotationStamp = Count(RotationColumns);

    public static readonly string PolicySelect = PolicyColumns + ", " + Stamp(Tables.Policy, "id");
    public static readonly int PolicyStamp = Count(PolicyColumns);

    public static readonly string RecoveryCodeSelect = RecoveryCodeColumns + ", " + Stamp(Tables.RecoveryCodes, "code_id");
    public static readonly int RecoveryCodeStamp = Count(RecoveryCodeColumns);

    /// <summary>
    /// A sealed row's version and MAC, and the latest version of the row that the audit chain's row index records.
    /// </summary>
    public static string Stamp(string table, string idColumn, string alias = "", string macColumn = "row_mac") =>
        $"{alias}row_version, {alias}{macColumn}, (SELECT max(ix.seq) FROM audit_rows ix WHERE ix.row_ref = '{table}:' || {idColumn})";

    public static RowStamp ReadStamp(DbDataReader r, int ordinal) => new(
        r.IsDBNull(ordinal) ? null : r.GetInt64(ordinal),
        r.IsDBNull(ordinal + 1) ? null : r.GetFieldValue<byte[]>(ordinal + 1),
        r.IsDBNull(ordinal + 2) ? null : r.GetInt64(ordinal + 2));

    public static Account ReadAccount(DbDataReader r) => ReadAccount(r, 0);

    public static Account ReadAccount(DbDataReader r, int o) => new()
    {
        AccountId = r.GetString(o),
        Name = r.GetString(o + 1),
        Email = r.GetString(o + 2),
        CreatedAt = FromTime(r.GetInt64(o + 3)),
        CreatedBy = r.GetString(o + 4),
        KeyLimit = r.IsDBNull(o + 5) ? null : r.GetInt32(o + 5),
        FailedCodeCount = r.GetInt32(o + 6),
        LockedUntil = NullableTime(r, o + 7),
        RequireWithdrawalCode = r.GetBoolean(o + 8),
        RecoveryStartedAt = NullableTime(r, o + 9),
        RecoveryUntil = NullableTime(r, o + 10),
    };

    public static Authenticator ReadAuthenticator(DbDataReader r) => new()
    {
        AuthenticatorId = r.GetString(0),
        AccountId = r.GetString(1),
        Name = r.GetString(2),
        Kind = Exact<AuthenticatorKind>(r.GetString(3)),
        Status = Exact<AuthenticatorStatus>(r.GetString(4)),
        CreatedAt = FromTime(r.GetInt64(5)),
        CreatedBy = r.GetString(6),
        ConfirmedAt = NullableTime(r, 7),
        RevokedAt = NullableTime(r, 8),
        LastUsedStep = r.GetInt64(9),
        LastUsedAt = NullableTime(r, 10),
        Scope = (AutomationScope)r.GetInt32(11),
        SuspendedAt = NullableTime(r, 12),
    };

    public static ApiKey ReadKey(DbDataReader r) => new()
    {
        KeyId = r.GetString(0),
        AccountId = r.GetString(1),
        AccountName = r.GetString(2),
        Name = r.GetString(3),
        Memo = r.GetString(4),
        Permissions = (ApiKeyPermission)r.GetInt32(5),
        IpBinding = IpBinding.Deserialize(r.GetString(6)),
        UnboundSensitiveAllowed = r.GetBoolean(7),
        StoredStatus = Exact<ApiKeyStatus>(r.GetString(8)),
        CreatedAt = FromTime(r.GetInt64(9)),
        CreatedBy = r.GetString(10),
        ExpiresAt = NullableTime(r, 11),
        DisabledAt = NullableTime(r, 12),
        DisabledReason = NullableString(r, 13),
        DeletedAt = NullableTime(r, 14),
        LastUsedAt = NullableTime(r, 15),
        LastUsedAddress = NullableString(r, 16),
        PendingDelivery = r.GetBoolean(17),
        Vault = NullableString(r, 18),
        VaultSecretName = NullableString(r, 19),
        RotatedFrom = NullableString(r, 20),
        RotatedTo = NullableString(r, 21),
        HasPassphrase = r.GetBoolean(22),
        KeyVersions = (KuCoinKeyVersions)r.GetInt32(23),
        WithdrawalFailedCodeCount = r.GetInt32(24),
        WithdrawalLockedUntil = NullableTime(r, 25),
    };

    public static RotationRecord ReadRotation(DbDataReader r) => new()
    {
        RotationId = r.GetString(0),
        AccountName = r.GetString(1),
        OldKeyId = r.GetString(2),
        NewKeyId = NullableString(r, 3),
        Vault = r.GetString(4),
        SecretName = r.GetString(5),
        VaultHeldOldKey = r.GetBoolean(6),
        State = Exact<RotationState>(r.GetString(7)),
        GracePeriod = r.IsDBNull(8) ? null : TimeSpan.FromSeconds(r.GetInt64(8)),
        RemoveOld = r.GetBoolean(9),
        TestRequired = r.GetBoolean(10),
        StartedAt = FromTime(r.GetInt64(11)),
        StartedBy = r.GetString(12),
        UpdatedAt = FromTime(r.GetInt64(13)),
        Error = NullableString(r, 14),
    };

    public static KeyAdminPolicy ReadPolicy(DbDataReader r) => new()
    {
        MaxKeysPerAccount = r.GetInt32(0),
        MaxFailedCodes = r.GetInt32(1),
        LockoutDuration = TimeSpan.FromSeconds(r.GetInt64(2)),
        ConfirmationLifetime = TimeSpan.FromSeconds(r.GetInt64(3)),
        MinBindingPrefixV4 = r.GetInt32(4),
        MinBindingPrefixV6 = r.GetInt32(5),
        RecoveryCoolingOff = TimeSpan.FromSeconds(r.GetInt64(6)),
    };

    public static AuditEntry ReadAudit(DbDataReader r) => new()
    {
        Sequence = r.GetInt64(0),
        At = FromTime(r.GetInt64(1)),
        Actor = r.GetString(2),
        ActorHost = r.GetString(3),
        Action = r.GetString(4),
        AccountName = NullableString(r, 5),
        KeyId = NullableString(r, 6),
        Target = NullableString(r, 7),
        Outcome = ReadOutcome(r.GetString(8)),
        Reason = NullableString(r, 9),
        ConfirmedBy = NullableString(r, 10),
        Detail = NullableString(r, 11),
        PreviousHash = NullableString(r, 12),
        Hash = NullableString(r, 13),
        Rows = NullableString(r, 14),
        AccountId = NullableString(r, 15),
    };

    public static RecoveryCodeHash ReadRecoveryCode(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), FromTime(r.GetInt64(3)));

    /// <summary>
    /// An outcome only as KeyAdmin spells it (<see cref="Exact{T}"/>); anything else reads as an outcome KeyAdmin
    /// never writes, which no record's hash fits.
    /// </summary>
    private static AuditOutcome ReadOutcome(string text) => TryExact<AuditOutcome>(text, out var outcome) ? outcome : (AuditOutcome)(-1);

    /// <summary>
    /// A state, status or kind only as KeyAdmin spells it. Enum.Parse also reads "Completed " and "5" as Completed, so
    /// the row's seal (over the parsed value) would fit while SQL, which compares the text (<c>state NOT IN
    /// ('Completed', 'RolledBack')</c>, <c>status &lt;&gt; 'Deleted'</c>), took the row for another. FormatException otherwise.
    /// </summary>
    private static T Exact<T>(string text)
        where T : struct, Enum =>
        TryExact<T>(text, out var value) ? value : throw new FormatException($"'{text}' is not a {typeof(T).Name} as KeyAdmin writes it.");

    private static bool TryExact<T>(string text, out T value)
        where T : struct, Enum =>
        Enum.TryParse(text, out value) && Enum.IsDefined(value) && string.Equals(value.ToString(), text, StringComparison.Ordinal);

    public static string Fold(string name) => name.ToLowerInvariant();

    public static long? Time(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromTime(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static DateTimeOffset? NullableTime(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : FromTime(r.GetInt64(ordinal));

    public static string? NullableString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static string Aliased(string alias, string columns) => string.Join(", ", columns.Split(", ").Select(c => alias + c));

    private static int Count(string columns) => columns.Split(", ").Length;
}

/// <summary>The tables whose rows carry a seal, by the names the row index uses.</summary>
internal static class Tables
{
    public const string Accounts = "accounts";
    public const string Authenticators = "authenticators";
    public const string Keys = "api_keys";
    public const string Policy = "policy";
    public const string Rotations = "rotations";
    public const string Meta = "meta";
    public const string RecoveryCodes = "recovery_codes";

    public static readonly IReadOnlyList<string> Sealed = new[] { Accounts, Authenticators, Keys, Policy, Rotations, Meta, RecoveryCodes };
}
