using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.TwoFactor;
using System.Data.Common;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// Rows as domain values, in the column orders both engines select: the tables have the same columns (times as
/// Unix milliseconds, flags as 0/1 or booleans, which GetBoolean reads either way), so one mapping serves both.
/// </summary>
internal static class StoreRows
{
    public const string KeyColumns =
        "k.key_id, k.account_id, a.name, k.name, k.memo, k.permissions, k.ip_binding, k.unbound_sensitive, k.status, " +
        "k.created_at, k.created_by, k.expires_at, k.disabled_at, k.disabled_reason, k.deleted_at, k.last_used_at, k.last_used_address, " +
        "k.pending_delivery, k.vault_name, k.vault_secret_name, k.rotated_from, k.rotated_to, k.withdrawal_failures, k.withdrawal_locked_until";

    public const string RotationColumns =
        "rotation_id, account, old_key_id, new_key_id, vault_name, secret_name, vault_held_old, state, grace_seconds, remove_old, test_required, started_at, started_by, updated_at, error";

    public const string AccountColumns =
        "account_id, name, email, created_at, created_by, key_limit, failed_codes, locked_until, require_withdrawal_code, recovery_started_at, recovery_until";

    public const string AuthenticatorColumns =
        "authenticator_id, account_id, name, kind, status, created_at, created_by, confirmed_at, revoked_at, last_used_step, last_used_at, scope, suspended_at";

    public const string AuditColumns = "seq, at, actor, actor_host, action, account, key_id, target, outcome, reason, confirmed_by, detail, prev_hash, hash, account_id";

    public const string RecoveryCodeColumns = "code_id, account_id, hash, created_at";

    public static Account ReadAccount(DbDataReader r) => new()
    {
        AccountId = r.GetString(0),
        Name = r.GetString(1),
        Email = r.GetString(2),
        CreatedAt = FromTime(r.GetInt64(3)),
        CreatedBy = r.GetString(4),
        KeyLimit = r.IsDBNull(5) ? null : r.GetInt32(5),
        FailedCodeCount = r.GetInt32(6),
        LockedUntil = NullableTime(r, 7),
        RequireWithdrawalCode = r.GetBoolean(8),
        RecoveryStartedAt = NullableTime(r, 9),
        RecoveryUntil = NullableTime(r, 10),
    };

    public static Authenticator ReadAuthenticator(DbDataReader r) => new()
    {
        AuthenticatorId = r.GetString(0),
        AccountId = r.GetString(1),
        Name = r.GetString(2),
        Kind = Enum.Parse<AuthenticatorKind>(r.GetString(3)),
        Status = Enum.Parse<AuthenticatorStatus>(r.GetString(4)),
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
        StoredStatus = Enum.Parse<ApiKeyStatus>(r.GetString(8)),
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
        WithdrawalFailedCodeCount = r.GetInt32(22),
        WithdrawalLockedUntil = NullableTime(r, 23),
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
        State = Enum.Parse<RotationState>(r.GetString(7)),
        GracePeriod = r.IsDBNull(8) ? null : TimeSpan.FromSeconds(r.GetInt64(8)),
        RemoveOld = r.GetBoolean(9),
        TestRequired = r.GetBoolean(10),
        StartedAt = FromTime(r.GetInt64(11)),
        StartedBy = r.GetString(12),
        UpdatedAt = FromTime(r.GetInt64(13)),
        Error = NullableString(r, 14),
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
        Outcome = Enum.TryParse<AuditOutcome>(r.GetString(8), out var parsed) ? parsed : (AuditOutcome)(-1),
        Reason = NullableString(r, 9),
        ConfirmedBy = NullableString(r, 10),
        Detail = NullableString(r, 11),
        PreviousHash = NullableString(r, 12),
        Hash = NullableString(r, 13),
        AccountId = NullableString(r, 14),
    };

    public static RecoveryCodeHash ReadRecoveryCode(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), FromTime(r.GetInt64(3)));

    public static string Fold(string name) => name.ToLowerInvariant();

    public static long? Time(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromTime(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static DateTimeOffset? NullableTime(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : FromTime(r.GetInt64(ordinal));

    public static string? NullableString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
