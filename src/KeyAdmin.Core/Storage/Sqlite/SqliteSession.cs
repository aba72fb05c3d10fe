using System.Globalization;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;
using Microsoft.Data.Sqlite;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>The SQL of the store contract, run on one connection inside one transaction.</summary>
internal sealed class SqliteSession : IStoreWriter
{
    private const string AuditHeadName = "audit_head";
    private readonly PreparedConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly AuditChain chain;

    public SqliteSession(PreparedConnection connection, SqliteTransaction transaction, AuditChain chain)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.chain = chain;
    }

    public KeyAdminPolicy ReadPolicy() =>
        QuerySingle(
            "SELECT max_keys, max_failed_codes, lockout_seconds, confirmation_seconds FROM policy WHERE id = 1",
            reader => new KeyAdminPolicy
            {
                MaxKeysPerAccount = reader.GetInt32(0),
                MaxFailedCodes = reader.GetInt32(1),
                LockoutDuration = TimeSpan.FromSeconds(reader.GetInt64(2)),
                ConfirmationLifetime = TimeSpan.FromSeconds(reader.GetInt64(3)),
            })
        ?? KeyAdminPolicy.Default;

    public void WritePolicy(KeyAdminPolicy policy) => Execute(
        "INSERT INTO policy (id, max_keys, max_failed_codes, lockout_seconds, confirmation_seconds) VALUES (1, $max, $fails, $lock, $confirm) " +
        "ON CONFLICT (id) DO UPDATE SET max_keys = $max, max_failed_codes = $fails, lockout_seconds = $lock, confirmation_seconds = $confirm",
        ("$max", policy.MaxKeysPerAccount),
        ("$fails", policy.MaxFailedCodes),
        ("$lock", (long)policy.LockoutDuration.TotalSeconds),
        ("$confirm", (long)policy.ConfirmationLifetime.TotalSeconds));

    public Account? FindAccount(string name) =>
        QuerySingle($"SELECT {AccountColumns} FROM accounts WHERE name_key = $name", ReadAccount, ("$name", Fold(name)));

    public Account? FindAccountById(string accountId) =>
        QuerySingle($"SELECT {AccountColumns} FROM accounts WHERE account_id = $id", ReadAccount, ("$id", accountId));

    public IReadOnlyList<Account> ListAccounts() =>
        QueryList($"SELECT {AccountColumns} FROM accounts ORDER BY name_key", ReadAccount);

    public void InsertAccount(Account account)
    {
        try
        {
            Execute(
                $"INSERT INTO accounts ({AccountColumns}, name_key) VALUES ($id, $name, $email, $created, $by, $limit, $fails, $locked, $withdrawal, $key)",
                ("$id", account.AccountId),
                ("$name", account.Name),
                ("$email", account.Email),
                ("$created", Time(account.CreatedAt)),
                ("$by", account.CreatedBy),
                ("$limit", account.KeyLimit),
                ("$fails", account.FailedCodeCount),
                ("$locked", Time(account.LockedUntil)),
                ("$withdrawal", account.RequireWithdrawalCode ? 1 : 0),
                ("$key", Fold(account.Name)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new KeyAdminException(KeyAdminError.AccountExists, $"An account named '{account.Name}' already exists.", account.Name, e);
        }
    }

    public void UpdateAccount(Account account) => Execute(
        "UPDATE accounts SET email = $email, key_limit = $limit, failed_codes = $fails, locked_until = $locked, require_withdrawal_code = $withdrawal WHERE account_id = $id",
        ("$id", account.AccountId),
        ("$email", account.Email),
        ("$withdrawal", account.RequireWithdrawalCode ? 1 : 0),
        ("$limit", account.KeyLimit),
        ("$fails", account.FailedCodeCount),
        ("$locked", Time(account.LockedUntil)));

    public void DeleteAccount(string accountId)
    {
        Execute("DELETE FROM api_keys WHERE account_id = $id AND status = 'Deleted'", ("$id", accountId));
        Execute("DELETE FROM authenticators WHERE account_id = $id", ("$id", accountId));
        Execute("DELETE FROM accounts WHERE account_id = $id", ("$id", accountId));
    }

    public IReadOnlyList<Authenticator> ListAuthenticators(string accountId) =>
        QueryList($"SELECT {AuthenticatorColumns} FROM authenticators WHERE account_id = $id ORDER BY created_at, name_key", ReadAuthenticator, ("$id", accountId));

    public byte[]? ReadSealedSeed(string authenticatorId) =>
        QuerySingle("SELECT seed FROM authenticators WHERE authenticator_id = $id AND seed IS NOT NULL", r => (byte[])r.GetValue(0), ("$id", authenticatorId));

    public void InsertAuthenticator(Authenticator authenticator, byte[] sealedSeed)
    {
        try
        {
            Execute(
                $"INSERT INTO authenticators ({AuthenticatorColumns}, name_key, seed) VALUES ($id, $account, $name, $kind, $status, $created, $by, $confirmed, $revoked, $step, $used, $key, $seed)",
                ("$id", authenticator.AuthenticatorId),
                ("$account", authenticator.AccountId),
                ("$name", authenticator.Name),
                ("$kind", authenticator.Kind.ToString()),
                ("$status", authenticator.Status.ToString()),
                ("$created", Time(authenticator.CreatedAt)),
                ("$by", authenticator.CreatedBy),
                ("$confirmed", Time(authenticator.ConfirmedAt)),
                ("$revoked", Time(authenticator.RevokedAt)),
                ("$step", authenticator.LastUsedStep),
                ("$used", Time(authenticator.LastUsedAt)),
                ("$key", Fold(authenticator.Name)),
                ("$seed", sealedSeed));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new KeyAdminException(KeyAdminError.AuthenticatorExists, $"The account already has an authenticator named '{authenticator.Name}'.", authenticator.Name, e);
        }
    }

    public void UpdateAuthenticator(Authenticator authenticator) => Execute(
        "UPDATE authenticators SET status = $status, confirmed_at = $confirmed, revoked_at = $revoked, last_used_step = $step, last_used_at = $used, " +
        "seed = CASE WHEN $status = 'Revoked' THEN NULL ELSE seed END WHERE authenticator_id = $id",
        ("$id", authenticator.AuthenticatorId),
        ("$status", authenticator.Status.ToString()),
        ("$confirmed", Time(authenticator.ConfirmedAt)),
        ("$revoked", Time(authenticator.RevokedAt)),
        ("$step", authenticator.LastUsedStep),
        ("$used", Time(authenticator.LastUsedAt)));

    public bool TryAdvanceStep(string authenticatorId, long step, DateTimeOffset at) => Execute(
        "UPDATE authenticators SET last_used_step = $step, last_used_at = $at WHERE authenticator_id = $id AND last_used_step < $step",
        ("$id", authenticatorId),
        ("$step", step),
        ("$at", Time(at))) == 1;

    public ApiKey? FindKey(string keyId) =>
        QuerySingle($"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE k.key_id = $id", ReadKey, ("$id", keyId));

    public ApiKey? FindKeyByName(string accountId, string name) =>
        QuerySingle(
            $"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE k.account_id = $account AND k.name_key = $name AND k.status <> 'Deleted'",
            ReadKey,
            ("$account", accountId),
            ("$name", Fold(name)));

    public int CountLiveKeys(string accountId) =>
        QuerySingle("SELECT count(*) FROM api_keys WHERE account_id = $id AND status <> 'Deleted'", r => r.GetInt32(0), ("$id", accountId));

    public byte[]? ReadSealedSecret(string keyId) =>
        QuerySingle("SELECT secret FROM api_keys WHERE key_id = $id AND secret IS NOT NULL", r => (byte[])r.GetValue(0), ("$id", keyId));

    public IEnumerable<ApiKey> StreamKeys(KeyQuery query)
    {
        // Accounts in name order as the outer loop (CROSS JOIN fixes the order in SQLite), each account's keys
        // from its index: SQLite then sorts one account's keys at a time ("temp b-tree for right part of order by")
        // and the first key streams at once. The planner's own choice sorted the whole table before the first row:
        // on a large store, seconds and a temp file as large as the table (docs/PERFORMANCE.md).
        var sql = query.KeyId is null
            ? $"SELECT {KeyColumns} FROM accounts a CROSS JOIN api_keys k ON a.account_id = k.account_id WHERE 1 = 1"
            : $"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE 1 = 1";
        var parameters = new List<(string, object?)>();
        if (query.AccountId is not null)
        {
            sql += " AND a.account_id = $account AND k.account_id = $account";
            parameters.Add(("$account", query.AccountId));
        }

        if (query.KeyId is not null)
        {
            sql += " AND k.key_id = $id";
            parameters.Add(("$id", query.KeyId));
        }

        if (!query.IncludeDeleted)
        {
            sql += " AND k.status <> 'Deleted'";
        }

        return Stream(sql + " ORDER BY a.name_key, k.created_at, k.key_id", ReadKey, parameters.ToArray());
    }

    public void InsertKey(ApiKey key, byte[] sealedSecret)
    {
        try
        {
            Execute(
                "INSERT INTO api_keys (key_id, account_id, name, name_key, memo, permissions, ip_binding, unbound_sensitive, status, secret, created_at, created_by, expires_at, " +
                "disabled_at, disabled_reason, pending_delivery, vault_name, vault_secret_name, rotated_from, rotated_to) " +
                "VALUES ($id, $account, $name, $key, $memo, $permissions, $binding, $unbound, $status, $secret, $created, $by, $expires, " +
                "$disabled, $reason, $pending, $vault, $vaultName, $from, $to)",
                ("$disabled", Time(key.DisabledAt)),
                ("$reason", key.DisabledReason),
                ("$pending", key.PendingDelivery ? 1 : 0),
                ("$vault", key.Vault),
                ("$vaultName", key.VaultSecretName),
                ("$from", key.RotatedFrom),
                ("$to", key.RotatedTo),
                ("$id", key.KeyId),
                ("$account", key.AccountId),
                ("$name", key.Name),
                ("$key", Fold(key.Name)),
                ("$memo", key.Memo),
                ("$permissions", (int)key.Permissions),
                ("$binding", IpBinding.Serialize(key.IpBinding)),
                ("$unbound", key.UnboundSensitiveAllowed ? 1 : 0),
                ("$status", key.StoredStatus.ToString()),
                ("$secret", sealedSecret),
                ("$created", Time(key.CreatedAt)),
                ("$by", key.CreatedBy),
                ("$expires", Time(key.ExpiresAt)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new KeyAdminException(KeyAdminError.KeyNameExists, $"The account already has a key named '{key.Name}'.", key.Name, e);
        }
    }

    public void UpdateKey(ApiKey key)
    {
        try
        {
            Execute(
                "UPDATE api_keys SET name = $name, name_key = $key, memo = $memo, permissions = $permissions, ip_binding = $binding, unbound_sensitive = $unbound, " +
                "status = $status, expires_at = $expires, disabled_at = $disabled, disabled_reason = $reason, pending_delivery = $pending, " +
                "vault_name = $vault, vault_secret_name = $vaultName, rotated_from = $from, rotated_to = $to WHERE key_id = $id",
                ("$pending", key.PendingDelivery ? 1 : 0),
                ("$vault", key.Vault),
                ("$vaultName", key.VaultSecretName),
                ("$from", key.RotatedFrom),
                ("$to", key.RotatedTo),
                ("$id", key.KeyId),
                ("$name", key.Name),
                ("$key", Fold(key.Name)),
                ("$memo", key.Memo),
                ("$permissions", (int)key.Permissions),
                ("$binding", IpBinding.Serialize(key.IpBinding)),
                ("$unbound", key.UnboundSensitiveAllowed ? 1 : 0),
                ("$status", key.StoredStatus.ToString()),
                ("$expires", Time(key.ExpiresAt)),
                ("$disabled", Time(key.DisabledAt)),
                ("$reason", key.DisabledReason));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw ConstraintFailure(e, key);
        }
    }

    public void DestroyKey(ApiKey deleted)
    {
        // secure_delete (set on every connection) zeroes the freed bytes of the sealed secret in the file.
        Execute(
            "UPDATE api_keys SET status = 'Deleted', deleted_at = $deleted, secret = NULL WHERE key_id = $id",
            ("$id", deleted.KeyId),
            ("$deleted", Time(deleted.DeletedAt)));
    }

    public void Append(AuditEntry entry)
    {
        try
        {
            var previous = ReadAuditHead()?.Hash ?? AuditChain.Genesis;
            var sequence = QuerySingle(
                "INSERT INTO audit (at, actor, actor_host, action, account, key_id, target, outcome, reason, confirmed_by, detail) " +
                "VALUES ($at, $actor, $host, $action, $account, $key, $target, $outcome, $reason, $confirmed, $detail) RETURNING seq",
                r => r.GetInt64(0),
                ("$at", Time(entry.At)),
                ("$actor", entry.Actor),
                ("$host", entry.ActorHost),
                ("$action", entry.Action),
                ("$account", entry.AccountName),
                ("$key", entry.KeyId),
                ("$target", entry.Target),
                ("$outcome", entry.Outcome.ToString()),
                ("$reason", entry.Reason),
                ("$confirmed", entry.ConfirmedBy),
                ("$detail", entry.Detail));
            Chain(entry with { Sequence = sequence }, previous);
        }
        catch (SqliteException e)
        {
            throw new KeyAdminException(KeyAdminError.AuditWriteFailed, $"The audit record for {entry.Action} could not be written, so the change was not made: {e.Message}", entry.Action, e);
        }
    }

    public AuditHead? ReadAuditHead()
    {
        var value = QuerySingle("SELECT value FROM meta WHERE name = $name", r => r.GetString(0), ("$name", AuditHeadName));
        if (value is null)
        {
            return null;
        }

        var parts = value.Split('|');
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new AuditHead(sequence, parts[1], parts[2])
            : new AuditHead(0, value, string.Empty);
    }

    /// <summary>Seals records written before the chain existed (a store migrated from schema 1 or 2), in order.</summary>
    public int SealUnchainedAudit()
    {
        var unsealed = StreamAudit(new AuditQuery()).Where(e => e.Hash is null).ToList();
        if (unsealed.Count == 0)
        {
            return 0;
        }

        var previous = ReadAuditHead()?.Hash ?? AuditChain.Genesis;
        foreach (var entry in unsealed)
        {
            previous = Chain(entry, previous);
        }

        return unsealed.Count;
    }

    public Rotation.RotationRecord? FindRotation(string rotationId) =>
        QuerySingle($"SELECT {RotationColumns} FROM rotations WHERE rotation_id = $id", ReadRotation, ("$id", rotationId));

    public IReadOnlyList<Rotation.RotationRecord> ListRotations(bool unfinishedOnly) => QueryList(
        $"SELECT {RotationColumns} FROM rotations" + (unfinishedOnly ? " WHERE state NOT IN ('Completed', 'RolledBack')" : string.Empty) + " ORDER BY started_at DESC, rotation_id",
        ReadRotation);

    public void InsertRotation(Rotation.RotationRecord rotation) => Execute(
        $"INSERT INTO rotations ({RotationColumns}) VALUES ($id, $account, $old, $new, $vault, $secret, $held, $state, $grace, $remove, $test, $started, $by, $updated, $error)",
        RotationParameters(rotation));

    public void UpdateRotation(Rotation.RotationRecord rotation) => Execute(
        "UPDATE rotations SET new_key_id = $new, state = $state, updated_at = $updated, error = $error WHERE rotation_id = $id",
        RotationParameters(rotation));

    private static (string, object?)[] RotationParameters(Rotation.RotationRecord r) => new (string, object?)[]
    {
        ("$id", r.RotationId),
        ("$account", r.AccountName),
        ("$old", r.OldKeyId),
        ("$new", r.NewKeyId),
        ("$vault", r.Vault),
        ("$secret", r.SecretName),
        ("$held", r.VaultHeldOldKey ? 1 : 0),
        ("$state", r.State.ToString()),
        ("$grace", r.GracePeriod is { } grace ? (long)grace.TotalSeconds : null),
        ("$remove", r.RemoveOld ? 1 : 0),
        ("$test", r.TestRequired ? 1 : 0),
        ("$started", Time(r.StartedAt)),
        ("$by", r.StartedBy),
        ("$updated", Time(r.UpdatedAt)),
        ("$error", r.Error),
    };

    public void RecordUsage(IReadOnlyCollection<KeyUsage> usage)
    {
        foreach (var use in usage)
        {
            // Never moves last use backwards: flushes of several verifiers may arrive out of order.
            Execute(
                "UPDATE api_keys SET last_used_at = $at, last_used_address = $address WHERE key_id = $id AND status <> 'Deleted' AND (last_used_at IS NULL OR last_used_at < $at)",
                ("$id", use.KeyId),
                ("$at", Time(use.At)),
                ("$address", use.Address));
        }
    }

    public void AddRefusals(IReadOnlyCollection<RefusalCount> counts)
    {
        foreach (var count in counts)
        {
            Execute(
                "INSERT INTO verification_refusals (key_id, reason, count, last_at) VALUES ($id, $reason, $count, $at) " +
                "ON CONFLICT (key_id, reason) DO UPDATE SET count = count + $count, last_at = max(last_at, $at)",
                ("$id", count.KeyId),
                ("$reason", count.Reason),
                ("$count", count.Count),
                ("$at", Time(count.LastAt)));
        }
    }

    public IReadOnlyList<RefusalCount> ReadRefusals(string? keyId) => QueryList(
        "SELECT key_id, reason, count, last_at FROM verification_refusals WHERE $id IS NULL OR key_id = $id ORDER BY key_id, reason",
        r => new RefusalCount(r.GetString(0), r.GetString(1), r.GetInt64(2), FromTime(r.GetInt64(3))),
        ("$id", keyId));

    public IEnumerable<AuditEntry> StreamAudit(AuditQuery query)
    {
        var (sql, parameters) = AuditSql.Select(query, parameterPrefix: "@");
        return Stream(sql, ReadAudit, parameters);
    }

    /// <summary>Writes the chain fields of a stored record and moves the head to it; returns its hash.</summary>
    private string Chain(AuditEntry entry, string previous)
    {
        var hash = chain.Hash(entry, previous);
        Execute("UPDATE audit SET prev_hash = $previous, hash = $hash WHERE seq = $seq", ("$previous", previous), ("$hash", hash), ("$seq", entry.Sequence));
        Execute(
            "INSERT INTO meta (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = $value",
            ("$name", AuditHeadName),
            ("$value", $"{entry.Sequence.ToString(CultureInfo.InvariantCulture)}|{hash}|{chain.HeadSeal(entry.Sequence, hash)}"));
        return hash;
    }

    /// <summary>Records <paramref name="value"/> under <paramref name="name"/> unless a value is there; returns the value that is.</summary>
    public string ClaimMeta(string name, string value)
    {
        Execute("INSERT INTO meta (name, value) VALUES ($name, $value) ON CONFLICT (name) DO NOTHING", ("$name", name), ("$value", value));
        return QuerySingle("SELECT value FROM meta WHERE name = $name", r => r.GetString(0), ("$name", name))!;
    }

    private static KeyAdminException ConstraintFailure(SqliteException e, ApiKey key) =>
        e.Message.Contains("KeyAdmin.PermissionsImmutable", StringComparison.Ordinal)
            ? new KeyAdminException(KeyAdminError.PermissionsImmutable, "A key's permissions are fixed at creation; create a new key and retire this one.", key.KeyId, e)
            : e.Message.Contains("KeyAdmin.KeyDeleted", StringComparison.Ordinal)
                ? new KeyAdminException(KeyAdminError.KeyDeleted, $"The key {key.KeyId} is deleted; deletion is final.", key.KeyId, e)
                : new KeyAdminException(KeyAdminError.KeyNameExists, $"The account already has a key named '{key.Name}'.", key.Name, e);


    private static void Bind(SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    /// <summary>Runs <paramref name="run"/> on the connection's prepared command for <paramref name="sql"/>.</summary>
    private T Run<T>(string sql, (string Name, object? Value)[] parameters, Func<SqliteCommand, T> run)
    {
        var command = connection.Prepared(sql, transaction, out var shared);
        try
        {
            Bind(command, parameters);
            return run(command);
        }
        finally
        {
            if (!shared)
            {
                command.Dispose();
            }
        }
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters) =>
        Run(sql, parameters, command => command.ExecuteNonQuery());

    private T? QuerySingle<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        Run(sql, parameters, command =>
        {
            using var reader = command.ExecuteReader();
            return reader.Read() ? read(reader) : default;
        });

    private List<T> QueryList<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        Run(sql, parameters, command =>
        {
            using var reader = command.ExecuteReader();
            var list = new List<T>();
            while (reader.Read())
            {
                list.Add(read(reader));
            }

            return list;
        });

    /// <summary>
    /// Streams rows with a command of its own (not a prepared one): the caller may run other statements of this
    /// session, even this one, while the stream is open.
    /// </summary>
    private IEnumerable<T> Stream<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Bind(command, parameters);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return read(reader);
        }
    }
}
