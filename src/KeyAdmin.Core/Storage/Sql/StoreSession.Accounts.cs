using System.Data.Common;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>The session's policy, accounts, authenticators and recovery codes.</summary>
internal sealed partial class StoreSession
{
    private const string PolicyId = "1";

    public KeyAdminPolicy ReadPolicy()
    {
        var row = QuerySingle($"SELECT {PolicySelect} FROM policy WHERE id = 1", r => (Policy: Decode(r, Tables.Policy, StoreRows.ReadPolicy, PolicyId), Stamp: ReadStamp(r, PolicyStamp)));
        if (row.Policy is not null)
        {
            return Verified(row.Policy, Tables.Policy, PolicyId, row.Stamp, c => RowSeal.Fields(c, row.Policy));
        }

        // No row is the default policy, unless one was written: a deleted row must not turn a stricter policy back into the default.
        var written = QuerySingle("SELECT max(seq) FROM audit_rows WHERE row_ref = @ref", r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0), ("ref", RowSeal.Ref(Tables.Policy, PolicyId)));
        return written is null
            ? KeyAdminPolicy.Default
            : throw Tampered(Tables.Policy, PolicyId, $"the row is missing, and the audit chain records its version {written}");
    }

    public void WritePolicy(KeyAdminPolicy policy)
    {
        var (rowVersion, mac) = Seal(Tables.Policy, PolicyId, c => RowSeal.Fields(c, policy));
        Execute(
            $"INSERT INTO policy (id, {PolicyColumns}, row_version, row_mac) VALUES (1, @max, @fails, @lock, @confirm, @v4, @v6, @recovery, @version, @mac) " +
            "ON CONFLICT (id) DO UPDATE SET max_keys = excluded.max_keys, max_failed_codes = excluded.max_failed_codes, " +
            "lockout_seconds = excluded.lockout_seconds, confirmation_seconds = excluded.confirmation_seconds, " +
            "min_binding_prefix_v4 = excluded.min_binding_prefix_v4, min_binding_prefix_v6 = excluded.min_binding_prefix_v6, recovery_seconds = excluded.recovery_seconds, " +
            "row_version = excluded.row_version, row_mac = excluded.row_mac",
            ("max", policy.MaxKeysPerAccount),
            ("fails", policy.MaxFailedCodes),
            ("lock", (long)policy.LockoutDuration.TotalSeconds),
            ("confirm", (long)policy.ConfirmationLifetime.TotalSeconds),
            ("v4", policy.MinBindingPrefixV4),
            ("v6", policy.MinBindingPrefixV6),
            ("recovery", (long)policy.RecoveryCoolingOff.TotalSeconds),
            ("version", rowVersion),
            ("mac", mac));
    }

    public Account? FindAccount(string name)
    {
        var accounts = QueryList($"SELECT {AccountSelect} FROM accounts WHERE name_key = @name", VerifiedAccount, ("name", Fold(name)));
        // name_key is only an index: a row found under another account's name is that other account, and two accounts
        // found under one name (one hidden from the index while the other was created) are refused, not one picked.
        if (accounts.FirstOrDefault(a => Fold(a.Name) != Fold(name)) is { } misfiled)
        {
            throw Tampered(Tables.Accounts, misfiled.AccountId, $"it is indexed under the name '{name}' but is account '{misfiled.Name}'");
        }

        return accounts.Count > 1
            ? throw Tampered(Tables.Accounts, accounts[1].AccountId, $"it is one of {accounts.Count} accounts named '{name}'; names are unique")
            : accounts.SingleOrDefault();
    }

    public Account? FindAccountById(string accountId) =>
        QuerySingle($"SELECT {AccountSelect} FROM accounts WHERE account_id = @id", VerifiedAccount, ("id", accountId));

    /// <summary>The accounts by name; refused where their name index does not lead to each account once (<see cref="NameIndexProblems"/>).</summary>
    public IReadOnlyList<Account> ListAccounts()
    {
        var accounts = QueryList($"SELECT {AccountSelect} FROM accounts ORDER BY name_key", VerifiedAccount);
        return NameIndexProblems(accounts.Select(a => a.AccountId), accounts.Count).FirstOrDefault() is { } problem
            ? throw Tampered(problem.Table, problem.RowId, problem.Problem)
            : accounts;
    }

    /// <summary>
    /// What is wrong with the accounts as a read in name order led to them (<paramref name="ids"/>, of
    /// <paramref name="rows"/> rows read): that read goes through the name index, and whoever writes a SQLite file can
    /// point an entry of it at another account's row, so that one account comes twice and the one the entry names not
    /// at all. Each account that came twice, and fewer rows than the account table itself holds, is a problem.
    /// </summary>
    private List<TamperedRow> NameIndexProblems(IEnumerable<string> ids, long rows)
    {
        var problems = new List<TamperedRow>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!seen.Add(id))
            {
                problems.Add(new TamperedRow(Tables.Accounts, id, "the accounts' name index leads to its row twice (an index changed outside KeyAdmin), so another account is missing from what reads accounts by name"));
            }
        }

        var held = QuerySingle(dialect.CountRows(Tables.Accounts), r => r.GetInt64(0));
        if (held != rows)
        {
            problems.Add(new TamperedRow(Tables.Accounts, "*", $"the account table holds {held} rows where its name index leads to {rows} (Test-ApiKeyAuditLog names an index changed outside KeyAdmin)"));
        }

        return problems;
    }

    public void InsertAccount(Account account)
    {
        var (rowVersion, mac) = Seal(Tables.Accounts, account.AccountId, c => RowSeal.Fields(c, account));
        try
        {
            Execute(
                $"INSERT INTO accounts ({AccountColumns}, name_key, row_version, row_mac, decision_mac) " +
                "VALUES (@id, @name, @email, @created, @by, @limit, @fails, @locked, @withdrawal, @recoveryStarted, @recoveryUntil, @key, @version, @mac, @decision)",
                AccountParameters(account, rowVersion, mac, ("name", account.Name), ("created", Time(account.CreatedAt)), ("by", account.CreatedBy), ("key", Fold(account.Name))));
        }
        catch (DbException e) when (dialect.IsConstraintViolation(e))
        {
            throw new KeyAdminException(KeyAdminError.AccountExists, $"An account named '{account.Name}' already exists.", account.Name, e);
        }
    }

    public void UpdateAccount(Account account)
    {
        var (rowVersion, mac) = Seal(Tables.Accounts, account.AccountId, c => RowSeal.Fields(c, account));
        Execute(
            "UPDATE accounts SET email = @email, key_limit = @limit, failed_codes = @fails, locked_until = @locked, require_withdrawal_code = @withdrawal, " +
            "recovery_started_at = @recoveryStarted, recovery_until = @recoveryUntil, row_version = @version, row_mac = @mac, decision_mac = @decision WHERE account_id = @id",
            AccountParameters(account, rowVersion, mac));
    }

    public void DeleteAccount(string accountId)
    {
        // Every row that goes is recorded in the row index: a copy put back later is older than the index says.
        foreach (var keyId in QueryList("SELECT key_id FROM api_keys WHERE account_id = @id AND status = 'Deleted'", r => r.GetString(0), ("id", accountId)))
        {
            Removed(Tables.Keys, keyId);
        }

        foreach (var authenticatorId in QueryList("SELECT authenticator_id FROM authenticators WHERE account_id = @id", r => r.GetString(0), ("id", accountId)))
        {
            Removed(Tables.Authenticators, authenticatorId);
        }

        DeleteRecoveryCodes(accountId);
        Removed(Tables.Accounts, accountId);
        Execute("DELETE FROM api_keys WHERE account_id = @id AND status = 'Deleted'", ("id", accountId));
        Execute("DELETE FROM authenticators WHERE account_id = @id", ("id", accountId));
        Execute("DELETE FROM accounts WHERE account_id = @id", ("id", accountId));
    }

    public IReadOnlyList<Authenticator> ListAuthenticators(string accountId) =>
        QueryList($"SELECT {AuthenticatorSelect} FROM authenticators WHERE account_id = @id ORDER BY created_at, name_key", VerifiedAuthenticator, ("id", accountId));

    public byte[]? ReadSealedSeed(string authenticatorId) =>
        QuerySingle("SELECT seed FROM authenticators WHERE authenticator_id = @id AND seed IS NOT NULL", r => r.GetFieldValue<byte[]>(0), ("id", authenticatorId));

    public void InsertAuthenticator(Authenticator authenticator, byte[] sealedSeed)
    {
        var (rowVersion, mac) = Seal(Tables.Authenticators, authenticator.AuthenticatorId, c => RowSeal.Fields(c, authenticator));
        try
        {
            Execute(
                $"INSERT INTO authenticators ({AuthenticatorColumns}, name_key, seed, row_version, row_mac) " +
                "VALUES (@id, @account, @name, @kind, @status, @created, @by, @confirmed, @revoked, @step, @used, @scope, @suspended, @key, @seed, @version, @mac)",
                AuthenticatorParameters(
                    authenticator,
                    rowVersion,
                    mac,
                    ("account", authenticator.AccountId),
                    ("name", authenticator.Name),
                    ("kind", authenticator.Kind.ToString()),
                    ("created", Time(authenticator.CreatedAt)),
                    ("by", authenticator.CreatedBy),
                    ("key", Fold(authenticator.Name)),
                    ("seed", sealedSeed)));
        }
        catch (DbException e) when (dialect.IsConstraintViolation(e))
        {
            throw new KeyAdminException(KeyAdminError.AuthenticatorExists, $"The account already has an authenticator named '{authenticator.Name}'.", authenticator.Name, e);
        }
    }

    public void UpdateAuthenticator(Authenticator authenticator)
    {
        var (rowVersion, mac) = Seal(Tables.Authenticators, authenticator.AuthenticatorId, c => RowSeal.Fields(c, authenticator));
        Execute(
            "UPDATE authenticators SET status = @status, confirmed_at = @confirmed, revoked_at = @revoked, last_used_step = @step, last_used_at = @used, " +
            "scope = @scope, suspended_at = @suspended, seed = CASE WHEN @status = 'Revoked' THEN NULL ELSE seed END, row_version = @version, row_mac = @mac " +
            "WHERE authenticator_id = @id",
            AuthenticatorParameters(authenticator, rowVersion, mac));
    }

    public bool TryAdvanceStep(string authenticatorId, long step, DateTimeOffset at)
    {
        var current = QuerySingle($"SELECT {AuthenticatorSelect} FROM authenticators WHERE authenticator_id = @id", VerifiedAuthenticator, ("id", authenticatorId));
        if (current is null || current.LastUsedStep >= step)
        {
            return false;
        }

        var advanced = current with { LastUsedStep = step, LastUsedAt = at };
        var (rowVersion, mac) = Seal(Tables.Authenticators, authenticatorId, c => RowSeal.Fields(c, advanced));
        // The condition holds on its own too: the once-only rule of R12 is the engine's, even for a second writer.
        return Execute(
            "UPDATE authenticators SET last_used_step = @step, last_used_at = @used, row_version = @version, row_mac = @mac WHERE authenticator_id = @id AND last_used_step < @step",
            ("id", authenticatorId),
            ("step", step),
            ("used", Time(at)),
            ("version", rowVersion),
            ("mac", mac)) == 1;
    }

    public IReadOnlyList<RecoveryCodeHash> ListRecoveryCodes(string accountId) =>
        QueryList($"SELECT {RecoveryCodeSelect} FROM recovery_codes WHERE account_id = @id ORDER BY created_at, code_id", VerifiedRecoveryCode, ("id", accountId));

    public void InsertRecoveryCode(RecoveryCodeHash code)
    {
        var (rowVersion, mac) = Seal(Tables.RecoveryCodes, code.CodeId, c => RowSeal.Fields(c, code));
        Execute(
            $"INSERT INTO recovery_codes ({RecoveryCodeColumns}, row_version, row_mac) VALUES (@id, @account, @hash, @created, @version, @mac)",
            ("id", code.CodeId),
            ("account", code.AccountId),
            ("hash", code.Hash),
            ("created", Time(code.CreatedAt)),
            ("version", rowVersion),
            ("mac", mac));
    }

    // A spent code's row is gone; the row index records its removal, so a copy put back later is seen as older than
    // the index says and refused: a spent recovery code never comes back to life.
    public bool DeleteRecoveryCode(string codeId)
    {
        Removed(Tables.RecoveryCodes, codeId);
        return Execute("DELETE FROM recovery_codes WHERE code_id = @id", ("id", codeId)) == 1;
    }

    public void DeleteRecoveryCodes(string accountId)
    {
        foreach (var codeId in QueryList("SELECT code_id FROM recovery_codes WHERE account_id = @id", r => r.GetString(0), ("id", accountId)))
        {
            Removed(Tables.RecoveryCodes, codeId);
        }

        Execute("DELETE FROM recovery_codes WHERE account_id = @id", ("id", accountId));
    }

    private RecoveryCodeHash VerifiedRecoveryCode(DbDataReader r)
    {
        var code = Decode(r, Tables.RecoveryCodes, StoreRows.ReadRecoveryCode);
        return Verified(code, Tables.RecoveryCodes, code.CodeId, ReadStamp(r, RecoveryCodeStamp), c => RowSeal.Fields(c, code));
    }

    private Account VerifiedAccount(DbDataReader r)
    {
        var account = Decode(r, Tables.Accounts, StoreRows.ReadAccount);
        return Verified(account, Tables.Accounts, account.AccountId, ReadStamp(r, AccountStamp), c => RowSeal.Fields(c, account));
    }

    private Authenticator VerifiedAuthenticator(DbDataReader r)
    {
        var authenticator = Decode(r, Tables.Authenticators, ReadAuthenticator);
        return Verified(authenticator, Tables.Authenticators, authenticator.AuthenticatorId, ReadStamp(r, AuthenticatorStamp), c => RowSeal.Fields(c, authenticator));
    }

    private (string, object?)[] AccountParameters(Account account, long rowVersion, byte[] mac, params (string, object?)[] more) => new (string, object?)[]
    {
        ("decision", seal.Of(RowSeal.AccountDecisions, account.AccountId, rowVersion, account, RowSeal.DecisionFields)),
        ("id", account.AccountId),
        ("email", account.Email),
        ("limit", account.KeyLimit),
        ("fails", account.FailedCodeCount),
        ("locked", Time(account.LockedUntil)),
        ("withdrawal", account.RequireWithdrawalCode),
        ("recoveryStarted", Time(account.RecoveryStartedAt)),
        ("recoveryUntil", Time(account.RecoveryUntil)),
        ("version", rowVersion),
        ("mac", mac),
    }.Concat(more).ToArray();

    private static (string, object?)[] AuthenticatorParameters(Authenticator authenticator, long rowVersion, byte[] mac, params (string, object?)[] more) => new (string, object?)[]
    {
        ("id", authenticator.AuthenticatorId),
        ("status", authenticator.Status.ToString()),
        ("confirmed", Time(authenticator.ConfirmedAt)),
        ("revoked", Time(authenticator.RevokedAt)),
        ("step", authenticator.LastUsedStep),
        ("used", Time(authenticator.LastUsedAt)),
        ("scope", (int)authenticator.Scope),
        ("suspended", Time(authenticator.SuspendedAt)),
        ("version", rowVersion),
        ("mac", mac),
    }.Concat(more).ToArray();
}
