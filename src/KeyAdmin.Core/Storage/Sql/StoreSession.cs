using System.Data.Common;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// Every statement of the store contract, written once in SQL that SQLite and PostgreSQL read alike, run on one
/// connection inside one transaction that the engine's store opened (and, for writes, locked against every
/// other writer). What the engines do differently is asked of the <see cref="SqlDialect"/>.
/// </summary>
internal sealed partial class StoreSession : IStoreWriter
{
    private readonly DbConnection connection;
    private readonly DbTransaction transaction;
    private readonly ICommandSource commands;
    private readonly SqlDialect dialect;
    private readonly AuditChain chain;

    public StoreSession(DbConnection connection, DbTransaction transaction, ICommandSource commands, SqlDialect dialect, AuditChain chain)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.commands = commands;
        this.dialect = dialect;
        this.chain = chain;
    }

    public KeyAdminPolicy ReadPolicy() =>
        QuerySingle(
            "SELECT max_keys, max_failed_codes, lockout_seconds, confirmation_seconds, recovery_seconds FROM policy WHERE id = 1",
            reader => new KeyAdminPolicy
            {
                MaxKeysPerAccount = reader.GetInt32(0),
                MaxFailedCodes = reader.GetInt32(1),
                LockoutDuration = TimeSpan.FromSeconds(reader.GetInt64(2)),
                ConfirmationLifetime = TimeSpan.FromSeconds(reader.GetInt64(3)),
                RecoveryCoolingOff = TimeSpan.FromSeconds(reader.GetInt64(4)),
            })
        ?? KeyAdminPolicy.Default;

    public void WritePolicy(KeyAdminPolicy policy) => Execute(
        "INSERT INTO policy (id, max_keys, max_failed_codes, lockout_seconds, confirmation_seconds, recovery_seconds) VALUES (1, @max, @fails, @lock, @confirm, @recovery) " +
        "ON CONFLICT (id) DO UPDATE SET max_keys = excluded.max_keys, max_failed_codes = excluded.max_failed_codes, " +
        "lockout_seconds = excluded.lockout_seconds, confirmation_seconds = excluded.confirmation_seconds, recovery_seconds = excluded.recovery_seconds",
        ("max", policy.MaxKeysPerAccount),
        ("fails", policy.MaxFailedCodes),
        ("lock", (long)policy.LockoutDuration.TotalSeconds),
        ("confirm", (long)policy.ConfirmationLifetime.TotalSeconds),
        ("recovery", (long)policy.RecoveryCoolingOff.TotalSeconds));

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
                $"INSERT INTO accounts ({AccountColumns}, name_key) VALUES (@id, @name, @email, @created, @by, @limit, @fails, @locked, @withdrawal, @recoveryStarted, @recoveryUntil, @key)",
                ("id", account.AccountId),
                ("name", account.Name),
                ("email", account.Email),
                ("created", Time(account.CreatedAt)),
                ("by", account.CreatedBy),
                ("limit", account.KeyLimit),
                ("fails", account.FailedCodeCount),
                ("locked", Time(account.LockedUntil)),
                ("withdrawal", account.RequireWithdrawalCode),
                ("recoveryStarted", Time(account.RecoveryStartedAt)),
                ("recoveryUntil", Time(account.RecoveryUntil)),
                ("key", Fold(account.Name)));
        }
        catch (DbException e) when (dialect.IsConstraintViolation(e))
        {
            throw new KeyAdminException(KeyAdminError.AccountExists, $"An account named '{account.Name}' already exists.", account.Name, e);
        }
    }

    public void UpdateAccount(Account account) => Execute(
        "UPDATE accounts SET email = @email, key_limit = @limit, failed_codes = @fails, locked_until = @locked, require_withdrawal_code = @withdrawal, " +
        "recovery_started_at = @recoveryStarted, recovery_until = @recoveryUntil WHERE account_id = @id",
        ("id", account.AccountId),
        ("email", account.Email),
        ("withdrawal", account.RequireWithdrawalCode),
        ("limit", account.KeyLimit),
        ("fails", account.FailedCodeCount),
        ("locked", Time(account.LockedUntil)),
        ("recoveryStarted", Time(account.RecoveryStartedAt)),
        ("recoveryUntil", Time(account.RecoveryUntil)));

    public void DeleteAccount(string accountId)
    {
        Execute("DELETE FROM api_keys WHERE account_id = @id AND status = 'Deleted'", ("id", accountId));
        Execute("DELETE FROM recovery_codes WHERE account_id = @id", ("id", accountId));
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
                $"INSERT INTO authenticators ({AuthenticatorColumns}, name_key, seed) VALUES (@id, @account, @name, @kind, @status, @created, @by, @confirmed, @revoked, @step, @used, @scope, @suspended, @key, @seed)",
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
                ("scope", (int)authenticator.Scope),
                ("suspended", Time(authenticator.SuspendedAt)),
                ("key", Fold(authenticator.Name)),
                ("seed", sealedSeed));
        }
        catch (DbException e) when (dialect.IsConstraintViolation(e))
        {
            throw new KeyAdminException(KeyAdminError.AuthenticatorExists, $"The account already has an authenticator named '{authenticator.Name}'.", authenticator.Name, e);
        }
    }

    public void UpdateAuthenticator(Authenticator authenticator) => Execute(
        "UPDATE authenticators SET status = @status, confirmed_at = @confirmed, revoked_at = @revoked, last_used_step = @step, last_used_at = @used, " +
        "scope = @scope, suspended_at = @suspended, seed = CASE WHEN @status = 'Revoked' THEN NULL ELSE seed END WHERE authenticator_id = @id",
        ("id", authenticator.AuthenticatorId),
        ("status", authenticator.Status.ToString()),
        ("confirmed", Time(authenticator.ConfirmedAt)),
        ("revoked", Time(authenticator.RevokedAt)),
        ("step", authenticator.LastUsedStep),
        ("used", Time(authenticator.LastUsedAt)),
        ("scope", (int)authenticator.Scope),
        ("suspended", Time(authenticator.SuspendedAt)));

    public bool TryAdvanceStep(string authenticatorId, long step, DateTimeOffset at) => Execute(
        "UPDATE authenticators SET last_used_step = @step, last_used_at = @at WHERE authenticator_id = @id AND last_used_step < @step",
        ("id", authenticatorId),
        ("step", step),
        ("at", Time(at))) == 1;

    public IReadOnlyList<RecoveryCodeHash> ListRecoveryCodes(string accountId) =>
        QueryList($"SELECT {RecoveryCodeColumns} FROM recovery_codes WHERE account_id = @id ORDER BY created_at, code_id", ReadRecoveryCode, ("id", accountId));

    public void InsertRecoveryCode(RecoveryCodeHash code) => Execute(
        $"INSERT INTO recovery_codes ({RecoveryCodeColumns}) VALUES (@id, @account, @hash, @created)",
        ("id", code.CodeId),
        ("account", code.AccountId),
        ("hash", code.Hash),
        ("created", Time(code.CreatedAt)));

    public bool DeleteRecoveryCode(string codeId) =>
        Execute("DELETE FROM recovery_codes WHERE code_id = @id", ("id", codeId)) == 1;

    public void DeleteRecoveryCodes(string accountId) =>
        Execute("DELETE FROM recovery_codes WHERE account_id = @id", ("id", accountId));

    private static void Bind(DbCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>Runs <paramref name="run"/> on the command for <paramref name="sql"/>, with its parameters bound.</summary>
    private T Run<T>(string sql, (string Name, object? Value)[] parameters, Func<DbCommand, T> run)
    {
        var command = commands.Command(sql, transaction, out var kept);
        try
        {
            Bind(command, parameters);
            return run(command);
        }
        finally
        {
            if (!kept)
            {
                command.Dispose();
            }
        }
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters) =>
        Run(sql, parameters, command => command.ExecuteNonQuery());

    private T? QuerySingle<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        Run(sql, parameters, command =>
        {
            using var reader = command.ExecuteReader();
            return reader.Read() ? read(reader) : default;
        });

    private List<T> QueryList<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters) =>
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
    /// Streams rows with a command of its own (never a kept one): on an engine that allows it (SQLite), the caller
    /// may run other statements of this session, even this one, while the stream is open.
    /// </summary>
    private IEnumerable<T> Stream<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
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
