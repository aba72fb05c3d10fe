using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;
using Npgsql;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// The SQL of the store contract on PostgreSQL, run on one connection inside one transaction: the same
/// statements as the SQLite session, in PostgreSQL's dialect. Writers hold the store's advisory lock, so
/// what one statement reads no other writer changes before the transaction ends.
/// </summary>
internal sealed partial class PostgresSession : IStoreWriter
{
    private readonly NpgsqlConnection connection;
    private readonly NpgsqlTransaction transaction;
    private readonly AuditChain chain;

    public PostgresSession(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditChain chain)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.chain = chain;
    }

    public KeyAdminPolicy ReadPolicy()
    {
        using var reader = Query("SELECT max_keys, max_failed_codes, lockout_seconds, confirmation_seconds FROM policy WHERE id = 1");
        return reader.Read()
            ? new KeyAdminPolicy
            {
                MaxKeysPerAccount = reader.GetInt32(0),
                MaxFailedCodes = reader.GetInt32(1),
                LockoutDuration = TimeSpan.FromSeconds(reader.GetInt64(2)),
                ConfirmationLifetime = TimeSpan.FromSeconds(reader.GetInt64(3)),
            }
            : KeyAdminPolicy.Default;
    }

    public void WritePolicy(KeyAdminPolicy policy) => Execute(
        "INSERT INTO policy (id, max_keys, max_failed_codes, lockout_seconds, confirmation_seconds) VALUES (1, @max, @fails, @lock, @confirm) " +
        "ON CONFLICT (id) DO UPDATE SET max_keys = @max, max_failed_codes = @fails, lockout_seconds = @lock, confirmation_seconds = @confirm",
        ("max", policy.MaxKeysPerAccount),
        ("fails", policy.MaxFailedCodes),
        ("lock", (long)policy.LockoutDuration.TotalSeconds),
        ("confirm", (long)policy.ConfirmationLifetime.TotalSeconds));

    public Account? FindAccount(string name) =>
        QuerySingle($"SELECT {AccountColumns} FROM accounts WHERE name_key = @name", ReadAccount, ("name", Fold(name)));

    public Account? FindAccountById(string accountId) =>
        QuerySingle($"SELECT {AccountColumns} FROM accounts WHERE account_id = @id", ReadAccount, ("id", accountId));

    public IReadOnlyList<Account> ListAccounts() =>
        QueryList($"SELECT {AccountColumns} FROM accounts ORDER BY name_key", ReadAccount);

    public void InsertAccount(Account account)
    {
        try
        {
            Execute(
                $"INSERT INTO accounts ({AccountColumns}, name_key) VALUES (@id, @name, @email, @created, @by, @limit, @fails, @locked, @withdrawal, @key)",
                ("id", account.AccountId),
                ("name", account.Name),
                ("email", account.Email),
                ("created", Time(account.CreatedAt)),
                ("by", account.CreatedBy),
                ("limit", account.KeyLimit),
                ("fails", account.FailedCodeCount),
                ("locked", Time(account.LockedUntil)),
                ("withdrawal", account.RequireWithdrawalCode),
                ("key", Fold(account.Name)));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new KeyAdminException(KeyAdminError.AccountExists, $"An account named '{account.Name}' already exists.", account.Name, e);
        }
    }

    public void UpdateAccount(Account account) => Execute(
        "UPDATE accounts SET email = @email, key_limit = @limit, failed_codes = @fails, locked_until = @locked, require_withdrawal_code = @withdrawal WHERE account_id = @id",
        ("id", account.AccountId),
        ("email", account.Email),
        ("withdrawal", account.RequireWithdrawalCode),
        ("limit", account.KeyLimit),
        ("fails", account.FailedCodeCount),
        ("locked", Time(account.LockedUntil)));

    public void DeleteAccount(string accountId)
    {
        Execute("DELETE FROM api_keys WHERE account_id = @id AND status = 'Deleted'", ("id", accountId));
        Execute("DELETE FROM authenticators WHERE account_id = @id", ("id", accountId));
        Execute("DELETE FROM accounts WHERE account_id = @id", ("id", accountId));
    }

    public IReadOnlyList<Authenticator> ListAuthenticators(string accountId) =>
        QueryList($"SELECT {AuthenticatorColumns} FROM authenticators WHERE account_id = @id ORDER BY created_at, name_key", ReadAuthenticator, ("id", accountId));

    public byte[]? ReadSealedSeed(string authenticatorId) =>
        QuerySingle("SELECT seed FROM authenticators WHERE authenticator_id = @id AND seed IS NOT NULL", r => r.GetFieldValue<byte[]>(0), ("id", authenticatorId));

    public void InsertAuthenticator(Authenticator authenticator, byte[] sealedSeed)
    {
        try
        {
            Execute(
                $"INSERT INTO authenticators ({AuthenticatorColumns}, name_key, seed) VALUES (@id, @account, @name, @kind, @status, @created, @by, @confirmed, @revoked, @step, @used, @key, @seed)",
                ("id", authenticator.AuthenticatorId),
                ("account", authenticator.AccountId),
                ("name", authenticator.Name),
                ("kind", authenticator.Kind.ToString()),
                ("status", authenticator.Status.ToString()),
                ("created", Time(authenticator.CreatedAt)),
                ("by", authenticator.CreatedBy),
                ("confirmed", Time(authenticator.ConfirmedAt)),
                ("revoked", Time(authenticator.RevokedAt)),
                ("step", authenticator.LastUsedStep),
                ("used", Time(authenticator.LastUsedAt)),
                ("key", Fold(authenticator.Name)),
                ("seed", sealedSeed));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new KeyAdminException(KeyAdminError.AuthenticatorExists, $"The account already has an authenticator named '{authenticator.Name}'.", authenticator.Name, e);
        }
    }

    public void UpdateAuthenticator(Authenticator authenticator) => Execute(
        "UPDATE authenticators SET status = @status, confirmed_at = @confirmed, revoked_at = @revoked, last_used_step = @step, last_used_at = @used, " +
        "seed = CASE WHEN @status = 'Revoked' THEN NULL ELSE seed END WHERE authenticator_id = @id",
        ("id", authenticator.AuthenticatorId),
        ("status", authenticator.Status.ToString()),
        ("confirmed", Time(authenticator.ConfirmedAt)),
        ("revoked", Time(authenticator.RevokedAt)),
        ("step", authenticator.LastUsedStep),
        ("used", Time(authenticator.LastUsedAt)));

    public bool TryAdvanceStep(string authenticatorId, long step, DateTimeOffset at) => Execute(
        "UPDATE authenticators SET last_used_step = @step, last_used_at = @at WHERE authenticator_id = @id AND last_used_step < @step",
        ("id", authenticatorId),
        ("step", step),
        ("at", Time(at))) == 1;

    public ApiKey? FindKey(string keyId) =>
        QuerySingle($"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE k.key_id = @id", ReadKey, ("id", keyId));

    public ApiKey? FindKeyByName(string accountId, string name) =>
        QuerySingle(
            $"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE k.account_id = @account AND k.name_key = @name AND k.status <> 'Deleted'",
            ReadKey,
            ("account", accountId),
            ("name", Fold(name)));

    public int CountLiveKeys(string accountId) =>
        QuerySingle("SELECT count(*) FROM api_keys WHERE account_id = @id AND status <> 'Deleted'", r => (int)r.GetInt64(0), ("id", accountId));

    public byte[]? ReadSealedSecret(string keyId) =>
        QuerySingle("SELECT secret FROM api_keys WHERE key_id = @id AND secret IS NOT NULL", r => r.GetFieldValue<byte[]>(0), ("id", keyId));

    public IEnumerable<ApiKey> StreamKeys(KeyQuery query)
    {
        var sql = $"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE TRUE";
        var parameters = new List<(string, object?)>();
        if (query.AccountId is not null)
        {
            sql += " AND k.account_id = @account";
            parameters.Add(("account", query.AccountId));
        }

        if (query.KeyId is not null)
        {
            sql += " AND k.key_id = @id";
            parameters.Add(("id", query.KeyId));
        }

        if (!query.IncludeDeleted)
        {
            sql += " AND k.status <> 'Deleted'";
        }

        using var reader = Query(sql + " ORDER BY a.name_key, k.created_at, k.key_id", parameters.ToArray());
        while (reader.Read())
        {
            yield return ReadKey(reader);
        }
    }

    public void InsertKey(ApiKey key, byte[] sealedSecret)
    {
        try
        {
            Execute(
                "INSERT INTO api_keys (key_id, account_id, name, name_key, memo, permissions, ip_binding, unbound_sensitive, status, secret, created_at, created_by, expires_at, " +
                "disabled_at, disabled_reason, pending_delivery, vault_name, vault_secret_name, rotated_from, rotated_to) " +
                "VALUES (@id, @account, @name, @key, @memo, @permissions, @binding, @unbound, @status, @secret, @created, @by, @expires, " +
                "@disabled, @reason, @pending, @vault, @vaultName, @from, @to)",
                ("disabled", Time(key.DisabledAt)),
                ("reason", key.DisabledReason),
                ("pending", key.PendingDelivery),
                ("vault", key.Vault),
                ("vaultName", key.VaultSecretName),
                ("from", key.RotatedFrom),
                ("to", key.RotatedTo),
                ("id", key.KeyId),
                ("account", key.AccountId),
                ("name", key.Name),
                ("key", Fold(key.Name)),
                ("memo", key.Memo),
                ("permissions", (int)key.Permissions),
                ("binding", IpBinding.Serialize(key.IpBinding)),
                ("unbound", key.UnboundSensitiveAllowed),
                ("status", key.StoredStatus.ToString()),
                ("secret", sealedSecret),
                ("created", Time(key.CreatedAt)),
                ("by", key.CreatedBy),
                ("expires", Time(key.ExpiresAt)));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new KeyAdminException(KeyAdminError.KeyNameExists, $"The account already has a key named '{key.Name}'.", key.Name, e);
        }
    }

    public void UpdateKey(ApiKey key)
    {
        try
        {
            Execute(
                "UPDATE api_keys SET name = @name, name_key = @key, memo = @memo, permissions = @permissions, ip_binding = @binding, unbound_sensitive = @unbound, " +
                "status = @status, expires_at = @expires, disabled_at = @disabled, disabled_reason = @reason, pending_delivery = @pending, " +
                "vault_name = @vault, vault_secret_name = @vaultName, rotated_from = @from, rotated_to = @to WHERE key_id = @id",
                ("pending", key.PendingDelivery),
                ("vault", key.Vault),
                ("vaultName", key.VaultSecretName),
                ("from", key.RotatedFrom),
                ("to", key.RotatedTo),
                ("id", key.KeyId),
                ("name", key.Name),
                ("key", Fold(key.Name)),
                ("memo", key.Memo),
                ("permissions", (int)key.Permissions),
                ("binding", IpBinding.Serialize(key.IpBinding)),
                ("unbound", key.UnboundSensitiveAllowed),
                ("status", key.StoredStatus.ToString()),
                ("expires", Time(key.ExpiresAt)),
                ("disabled", Time(key.DisabledAt)),
                ("reason", key.DisabledReason));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation)
        {
            throw ConstraintFailure(e, key);
        }
    }

    public void DestroyKey(ApiKey deleted)
    {
        // The old row version holding the sealed secret is reclaimed by (auto)vacuum; see PostgresStore.PurgeDestroyed.
        Execute(
            "UPDATE api_keys SET status = 'Deleted', deleted_at = @deleted, secret = NULL WHERE key_id = @id",
            ("id", deleted.KeyId),
            ("deleted", Time(deleted.DeletedAt)));
    }

    public void RecordUsage(IReadOnlyCollection<KeyUsage> usage)
    {
        foreach (var use in usage)
        {
            // Never moves last use backwards: flushes of several verifiers may arrive out of order.
            Execute(
                "UPDATE api_keys SET last_used_at = @at, last_used_address = @address WHERE key_id = @id AND status <> 'Deleted' AND (last_used_at IS NULL OR last_used_at < @at)",
                ("id", use.KeyId),
                ("at", Time(use.At)),
                ("address", use.Address));
        }
    }

    public void AddRefusals(IReadOnlyCollection<RefusalCount> counts)
    {
        foreach (var count in counts)
        {
            Execute(
                "INSERT INTO verification_refusals (key_id, reason, count, last_at) VALUES (@id, @reason, @count, @at) " +
                "ON CONFLICT (key_id, reason) DO UPDATE SET count = verification_refusals.count + EXCLUDED.count, last_at = greatest(verification_refusals.last_at, EXCLUDED.last_at)",
                ("id", count.KeyId),
                ("reason", count.Reason),
                ("count", count.Count),
                ("at", Time(count.LastAt)));
        }
    }

    public IReadOnlyList<RefusalCount> ReadRefusals(string? keyId) => QueryList(
        "SELECT key_id, reason, count, last_at FROM verification_refusals WHERE @id::text IS NULL OR key_id = @id::text ORDER BY key_id, reason",
        r => new RefusalCount(r.GetString(0), r.GetString(1), r.GetInt64(2), FromTime(r.GetInt64(3))),
        ("id", keyId));

    private static KeyAdminException ConstraintFailure(PostgresException e, ApiKey key) =>
        e.MessageText.Contains("KeyAdmin.PermissionsImmutable", StringComparison.Ordinal)
            ? new KeyAdminException(KeyAdminError.PermissionsImmutable, "A key's permissions are fixed at creation; create a new key and retire this one.", key.KeyId, e)
            : e.MessageText.Contains("KeyAdmin.KeyDeleted", StringComparison.Ordinal)
                ? new KeyAdminException(KeyAdminError.KeyDeleted, $"The key {key.KeyId} is deleted; deletion is final.", key.KeyId, e)
                : new KeyAdminException(KeyAdminError.KeyNameExists, $"The account already has a key named '{key.Name}'.", key.Name, e);

    private NpgsqlCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private NpgsqlDataReader Query(string sql, params (string Name, object? Value)[] parameters)
    {
        // The reader owns the command: it is not disposed under an open reader.
        var command = Command(sql, parameters);
        return command.ExecuteReader();
    }

    private T? QuerySingle<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var reader = Query(sql, parameters);
        return reader.Read() ? read(reader) : default;
    }

    private List<T> QueryList<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var reader = Query(sql, parameters);
        var list = new List<T>();
        while (reader.Read())
        {
            list.Add(read(reader));
        }

        return list;
    }
}
