using System.Data.Common;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>The session's keys: lookups, the listing, the lifecycle writes, last use and refusal counts.</summary>
internal sealed partial class StoreSession
{
    private const string KeyColumnList =
        "key_id, account_id, name, name_key, memo, permissions, ip_binding, unbound_sensitive, status, secret, created_at, created_by, expires_at, " +
        "disabled_at, disabled_reason, pending_delivery, vault_name, vault_secret_name, rotated_from, rotated_to, passphrase, key_versions, " +
        "withdrawal_failures, withdrawal_locked_until, row_version, row_mac, decision_mac";

    private const string KeyJoin = "api_keys k JOIN accounts a ON a.account_id = k.account_id";

    public ApiKey? FindKey(string keyId) =>
        QuerySingle($"SELECT {KeyColumns} FROM {KeyJoin} WHERE k.key_id = @id", r => CheckedKey(r).Require(), ("id", keyId));

    /// <summary>
    /// A verifier's lookup: the key's decision fields with their own seal (a third of the row), in one statement; a
    /// row written before schema 8, without a decision seal, is read whole and checked against its row seal.
    /// </summary>
    public KeyMaterial? FindKeyMaterial(string keyId, bool whole = false)
    {
        var narrow = whole ? null : QuerySingle($"SELECT {DecisionColumns} FROM {KeyJoin} WHERE k.key_id = @id", r => r.IsDBNull(DecisionKeyStamp + 1) || r.IsDBNull(DecisionAccountStamp + 1) ? null : DecidedKey(r), ("id", keyId));
        return narrow ?? QuerySingle(
            $"SELECT {KeyColumns}, k.secret, k.passphrase FROM {KeyJoin} WHERE k.key_id = @id",
            r =>
            {
                var key = CheckedKey(r);
                var (sealedSecret, sealedPassphrase) = (Blob(r, KeyMaterialSecret), Blob(r, KeyMaterialSecret + 1));
                return key.Tampered is { } tampered
                    ? new KeyMaterial(null, tampered, sealedSecret, sealedPassphrase)
                    : new KeyMaterial(KeyDecision.Of(key.Value!, StoreRows.ReadAccount(r, KeyAccount)), null, sealedSecret, sealedPassphrase);
            },
            ("id", keyId));
    }

    private KeyMaterial DecidedKey(DbDataReader r)
    {
        var (sealedSecret, sealedPassphrase) = (Blob(r, 8), Blob(r, 9));
        var key = Decode(r, Tables.Keys, ReadDecision, out var unreadable);
        if (key is null)
        {
            return new KeyMaterial(null, unreadable, sealedSecret, sealedPassphrase);
        }

        var problem = Problem(Tables.Keys, RowSeal.KeyDecisions, key.KeyId, ReadStamp(r, DecisionKeyStamp), key, RowSeal.DecisionFields)
            is { } keyProblem ? Tampered(Tables.Keys, key.KeyId, keyProblem)
            : Problem(Tables.Accounts, RowSeal.AccountDecisions, key.AccountId, ReadStamp(r, DecisionAccountStamp), (key.AccountName, key.RequireWithdrawalCode), RowSeal.AccountDecision)
                is { } accountProblem ? Tampered(Tables.Accounts, key.AccountId, accountProblem) : null;
        return problem is null ? new KeyMaterial(key, null, sealedSecret, sealedPassphrase) : new KeyMaterial(null, problem, sealedSecret, sealedPassphrase);
    }

    private static byte[]? Blob(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetFieldValue<byte[]>(ordinal);

    public ApiKey? FindKeyByName(string accountId, string name)
    {
        var keys = QueryList(
            $"SELECT {KeyColumns} FROM {KeyJoin} WHERE k.account_id = @account AND k.name_key = @name AND k.status <> 'Deleted'",
            r => CheckedKey(r).Require(),
            ("account", accountId),
            ("name", Fold(name)));
        // name_key and status are only an index: the sealed name and status decide. The unique index on them is only
        // a constraint too: two live keys under one name (one hidden from the index while the other was created)
        // are refused rather than one of them picked.
        if (keys.FirstOrDefault(k => Fold(k.Name) != Fold(name) || k.StoredStatus == ApiKeyStatus.Deleted) is { } misfiled)
        {
            throw Tampered(Tables.Keys, misfiled.KeyId, $"it is indexed as the live key '{name}' but is '{misfiled.Name}' ({misfiled.StoredStatus})");
        }

        return keys.Count > 1
            ? throw Tampered(Tables.Keys, keys[1].KeyId, $"it is one of {keys.Count} live keys named '{name}' ({string.Join(", ", keys.Select(k => k.KeyId))}); names are unique")
            : keys.SingleOrDefault();
    }

    public int CountLiveKeys(string accountId)
    {
        // The count reads the status column in SQL: whoever writes the database could set it to 'Deleted' on live keys
        // to make room for more, and set it back once they were created. The keys counted out are checked, so that
        // such a key is refused here; one counted in that should not be costs a place, and is refused where it is used.
        var accounts = new Dictionary<string, CheckedAccount>(StringComparer.Ordinal);
        _ = QueryList($"SELECT {KeyColumns} FROM {KeyJoin} WHERE k.account_id = @id AND k.status = 'Deleted'", r => CheckedKey(r, accounts).Require(), ("id", accountId));
        return QuerySingle("SELECT count(*) FROM api_keys WHERE account_id = @id AND status <> 'Deleted'", r => (int)r.GetInt64(0), ("id", accountId));
    }

    public byte[]? ReadSealedSecret(string keyId) =>
        QuerySingle("SELECT secret FROM api_keys WHERE key_id = @id AND secret IS NOT NULL", r => r.GetFieldValue<byte[]>(0), ("id", keyId));

    public byte[]? ReadSealedPassphrase(string keyId) =>
        QuerySingle("SELECT passphrase FROM api_keys WHERE key_id = @id AND passphrase IS NOT NULL", r => r.GetFieldValue<byte[]>(0), ("id", keyId));

    public IEnumerable<ApiKey> StreamKeys(KeyQuery query) => StreamCheckedKeys(query).Select(k => k.Require());

    /// <summary>Keys in listing order, each checked on its own: a row that fails its seal comes as its refusal.</summary>
    public IEnumerable<Checked<ApiKey>> StreamCheckedKeys(KeyQuery query) => StreamListedKeys(query).Select(row => row.Check()).Where(key => Listed(key, query));

    /// <summary>
    /// Whether a checked key of a listing is one <paramref name="query"/> asks for: deleted keys are left out by their
    /// sealed status, after the check, not by the status column in SQL (a live key whose column was set to 'Deleted'
    /// would be left out unseen, where every lookup refuses it).
    /// </summary>
    internal static bool Listed(Checked<ApiKey> key, KeyQuery query) => query.IncludeDeleted || key.Value is not { StoredStatus: ApiKeyStatus.Deleted };

    /// <summary>
    /// Keys in listing order as read, each to be decoded and checked by <see cref="ListedRow.Check"/>: where the
    /// listing is consumed, so that one thread reads rows while another checks and uses those read before
    /// (<see cref="SqlStore.StreamCheckedKeys"/>). The check reads nothing from the store.
    /// </summary>
    public IEnumerable<ListedRow> StreamListedKeys(KeyQuery query)
    {
        // The accounts first, each row checked once, in the snapshot the keys are read in.
        var accounts = ListedAccounts(query.AccountId);
        // Each key's columns arrive packed in one value (PackedRow: a third of the time of thirty column reads), after
        // its id, which names the row should the packed value not be one KeyAdmin wrote. A listing of every key whose
        // engine's indexes can be written also reads the account it came to, to count the keys it reached (Reach).
        var check = query.AccountId is null && query.KeyId is null ? dialect.KeyTableCheck : null;
        var sql = $"SELECT k.key_id, {dialect.PackRow(KeyListValues)}{(check is null ? string.Empty : ", CAST(a.account_id AS TEXT), CAST(a.name_key AS TEXT), CAST(k.account_id AS TEXT)")} " +
                  $"FROM {(query.KeyId is null ? dialect.KeyListingFrom : KeyJoin)} WHERE 1 = 1";
        var parameters = new List<(string, object?)>();
        if (query.AccountId is not null)
        {
            sql += " AND a.account_id = @account AND k.account_id = @account";
            parameters.Add(("account", query.AccountId));
        }

        if (query.KeyId is not null)
        {
            sql += " AND k.key_id = @id";
            parameters.Add(("id", query.KeyId));
        }

        // No filter on the status column: deleted keys are left out after their check (Listed). The order is by the
        // values as KeyAdmin reads them (SQLite keeps a number stored as text apart from the numbers), so that copies of
        // one row, where the primary key was dropped, come side by side for the listing to see (Listing.Repeats).
        var listing = new Listing(this, accounts);
        var reach = check is null ? null : new Reach();
        var rows = Stream(sql + " ORDER BY a.name_key, CAST(k.created_at AS BIGINT), CAST(k.key_id AS TEXT)", r =>
        {
            var id = IdOf(r);
            if (reach is not null)
            {
                var account = TextOrNull(r, 2) ?? string.Empty;
                // The join came to the key under its own account id, byte for byte, or it reached no key: a schema whose
                // account ids compare without regard to case (changed under writable_schema) joins a key to a second
                // spelling of its account's id, which Reach would count as another account's.
                if (!string.Equals(account, TextOrNull(r, 4), StringComparison.Ordinal))
                {
                    return new ListedRow(listing, id, null, Tampered(Tables.Keys, id, "the listing came to it through an account entry that holds another account id than the key (an index or the schema changed outside KeyAdmin)"));
                }

                if (reach.Revisits(account, TextOrNull(r, 3) ?? string.Empty, id) is { } again)
                {
                    return new ListedRow(listing, id, null, Tampered(Tables.Accounts, again, "the listing came to its keys a second time, through a second entry of the accounts' name index (changed outside KeyAdmin), and the keys of the account that entry names were not listed"));
                }
            }

            return new ListedRow(listing, id, Decode(r, Tables.Keys, p => dialect.ReadPacked(p, 1), out var unreadable), unreadable);
        }, parameters.ToArray());
        return check is { } counts ? WithUnreached(rows, counts, listing, reach!) : rows;
    }

    /// <summary>
    /// The keys a listing of every key reached, counted as its rows are read. The listing comes to one entry of the
    /// accounts' name index after another, and through each to one account's keys, each key once: an account has one
    /// entry. A pass over an account whose keys already came, through another entry (another name, or after another
    /// account), came through an entry that leads elsewhere than its name says; a key that comes again in one pass is a
    /// copy (Listing.Repeats reports the copy beside it). Neither reached a key, so neither stands in the count for a
    /// key left out. Reads only the engine's values, before any check: whoever changed the rows is refused by their
    /// seals. Holds the ids of the accounts passed and of the keys of one account (an account holds at most 1,000).
    /// </summary>
    private sealed class Reach
    {
        private readonly HashSet<string> passed = new(StringComparer.Ordinal);
        private readonly HashSet<string> keys = new(StringComparer.Ordinal);
        private string? account;
        private string? entry;
        private bool again;

        public long Reached { get; private set; }

        /// <summary>
        /// The account, when the row of <paramref name="keyId"/> came through the name entry <paramref name="nameKey"/>
        /// in a second pass over the keys of <paramref name="accountId"/>; otherwise null.
        /// </summary>
        public string? Revisits(string accountId, string nameKey, string keyId)
        {
            if (!string.Equals(accountId, account, StringComparison.Ordinal) || !string.Equals(nameKey, entry, StringComparison.Ordinal))
            {
                if (account is not null)
                {
                    passed.Add(account);
                }

                account = accountId;
                entry = nameKey;
                keys.Clear();
                again = passed.Contains(accountId);
            }

            if (!again && keys.Add(keyId))
            {
                Reached++;
            }

            return again ? accountId : null;
        }
    }

    /// <summary>
    /// <paramref name="rows"/> (a listing of every key), then a refusal for each key row the listing did not reach:
    /// the key table's own count, in the listing's snapshot, says whether it missed any. A listing of one account's
    /// keys does not count, which would read the whole table; the audit check's index check finds the same change.
    /// </summary>
    private IEnumerable<ListedRow> WithUnreached(IEnumerable<ListedRow> rows, (string Count, string Unreached) check, Listing listing, Reach reach)
    {
        foreach (var row in rows)
        {
            yield return row;
        }

        // The catalogue, in the same snapshot: an index of the writer's own can answer lookups by id for a key row the
        // table no longer holds, which no count of the table finds (ScanSchema).
        foreach (var unfaithful in ScanSchema())
        {
            yield return new ListedRow(listing, unfaithful.RowId, null, Tampered(unfaithful.Table, unfaithful.RowId, unfaithful.Problem));
        }

        var read = reach.Reached;
        var held = QuerySingle(check.Count, r => r.GetInt64(0));
        if (held == read)
        {
            yield break;
        }

        // The ids are the engine's best account of what was missed, at most as many as were (and at most a thousand, so
        // that a listing whose index lost every key still holds little); the count decides.
        List<string> unreached;
        try
        {
            unreached = QueryList(check.Unreached + " LIMIT @most", r => r.GetString(0), ("most", Math.Clamp(held - read, 0, 1000)));
        }
        catch (DbException)
        {
            unreached = [];
        }

        foreach (var id in unreached)
        {
            yield return new ListedRow(listing, id, null, Tampered(Tables.Keys, id, "the key table holds it, but listings do not reach it through its account (an index entry was left out or leads elsewhere, or its account row is gone), so it was missing from Get-ApiKey and Test-ApiKeyCompliance"));
        }

        if (unreached.Count != held - read)
        {
            yield return new ListedRow(listing, "*", null, Tampered(Tables.Keys, "*", $"the key table holds {held} rows where the listing reached {read} keys through the accounts and their indexes (Test-ApiKeyAuditLog names an index changed outside KeyAdmin)"));
        }
    }

    /// <summary>
    /// The accounts a listing may name, by id and row version (two rows under one id, where its primary key was taken
    /// away, are told apart), each with what is wrong with it.
    /// </summary>
    private Dictionary<(string Id, long? Version), (string? Name, KeyAdminException? Tampered)> ListedAccounts(string? accountId)
    {
        var accounts = new Dictionary<(string, long?), (string?, KeyAdminException?)>();
        var sql = $"SELECT {AccountSelect} FROM accounts" + (accountId is null ? string.Empty : " WHERE account_id = @id");
        var parameters = accountId is null ? Array.Empty<(string, object?)>() : new (string, object?)[] { ("id", accountId) };
        foreach (var (id, version, name, tampered) in QueryList(sql, r =>
        {
            var stamp = ReadStamp(r, AccountStamp);
            var account = Decode(r, Tables.Accounts, row => StoreRows.ReadAccount(row), out var unreadable);
            if (account is null)
            {
                return (IdOf(r), stamp.Version, (string?)null, unreadable);
            }

            var problem = Problem(Tables.Accounts, account.AccountId, stamp, account, RowSeal.Fields);
            return (account.AccountId, stamp.Version, account.Name, problem is null ? null : Tampered(Tables.Accounts, account.AccountId, problem));
        }, parameters))
        {
            accounts[(id, version)] = accounts.ContainsKey((id, version))
                ? (null, Tampered(Tables.Accounts, id, "it is one of two rows under the same id and version"))
                : (name, tampered);
        }

        return accounts;
    }

    /// <summary>
    /// What a listing's keys are checked against: the session's seal, and the listing's accounts, each checked once
    /// before the keys were read; and the key checked last, with the versions of the account rows it was joined with.
    /// The keys may be checked on another thread than the one that reads them, one after the other, in listing order.
    /// </summary>
    internal sealed class Listing(StoreSession session, Dictionary<(string Id, long? Version), (string? Name, KeyAdminException? Tampered)> accounts)
    {
        private readonly List<long?> joined = new();
        private string? previous;

        public Checked<ApiKey> Check(ListedRow row) => session.ListedKey(row, accounts, this);

        /// <summary>
        /// Whether the key <paramref name="id"/>, joined with its account's row of <paramref name="accountVersion"/>,
        /// came just before: the listing's order puts the rows of one key side by side, one per account row it joins
        /// (an older copy of the account's row is reported on its own), so one that comes twice with the same account
        /// row is a copy of the key's row.
        /// </summary>
        public bool Repeats(string id, long? accountVersion)
        {
            if (!string.Equals(previous, id, StringComparison.Ordinal))
            {
                previous = id;
                joined.Clear();
            }

            if (joined.Contains(accountVersion))
            {
                return true;
            }

            joined.Add(accountVersion);
            return false;
        }
    }

    /// <summary>A key of a listing as read: its id, and its <see cref="StoreRows.KeyListValues"/> packed (or why they could not be read).</summary>
    internal readonly record struct ListedRow(Listing Listing, string Id, byte[]? Packed, KeyAdminException? Unreadable)
    {
        /// <summary>The key decoded and checked, with the check of its account's row; or its refusal.</summary>
        public Checked<ApiKey> Check() => Listing.Check(this);
    }

    private Checked<ApiKey> ListedKey(ListedRow row, Dictionary<(string Id, long? Version), (string? Name, KeyAdminException? Tampered)> accounts, Listing listing)
    {
        if (row.Packed is not { } packed)
        {
            return new Checked<ApiKey>(null, row.Unreadable);
        }

        PackedRow r;
        try
        {
            r = PackedRow.Parse(packed, KeyListValues.Count);
        }
        catch (FormatException)
        {
            return new Checked<ApiKey>(null, Unreadable(Tables.Keys, row.Id));
        }

        var key = Decode(r, Tables.Keys, ReadKey, out var unreadable, row.Id);
        if (key is null)
        {
            return new Checked<ApiKey>(null, unreadable);
        }

        // The id as stored must be the text the seal covers: SQLite keeps the BLOB of its bytes, which the packed
        // value (CAST AS TEXT) reads as the same id, while every lookup by id (key_id = @id) and the verifier find no key.
        if (!string.Equals(row.Id, key.KeyId, StringComparison.Ordinal))
        {
            return new Checked<ApiKey>(null, Unreadable(Tables.Keys, key.KeyId));
        }

        if (Problem(Tables.Keys, key.KeyId, ReadStamp(r, KeyStamp), key, RowSeal.Fields) is { } keyProblem)
        {
            return new Checked<ApiKey>(null, Tampered(Tables.Keys, key.KeyId, keyProblem));
        }

        var accountVersion = r.IsDBNull(KeyStamp + 3) ? (long?)null : r.GetInt64(KeyStamp + 3);
        if (listing.Repeats(key.KeyId, accountVersion))
        {
            return new Checked<ApiKey>(null, Tampered(Tables.Keys, key.KeyId, "it is one of two rows under the same id and version (its primary key was dropped)"));
        }

        if (!accounts.TryGetValue((key.AccountId, accountVersion), out var account))
        {
            return new Checked<ApiKey>(null, Tampered(Tables.Accounts, key.AccountId, "its row changed while the keys were listed"));
        }

        return account.Tampered is { } tampered
            ? new Checked<ApiKey>(null, tampered)
            : account.Name == key.AccountName
                ? new Checked<ApiKey>(key, null)
                : new Checked<ApiKey>(null, Tampered(Tables.Accounts, key.AccountId, $"its name is '{account.Name}' where its keys say '{key.AccountName}'"));
    }

    public void InsertKey(ApiKey key, byte[] sealedSecret, byte[]? sealedPassphrase)
    {
        var (rowVersion, mac) = Seal(Tables.Keys, key.KeyId, c => RowSeal.Fields(c, key));
        try
        {
            Execute(
                $"INSERT INTO api_keys ({KeyColumnList}) VALUES (@id, @account, @name, @key, @memo, @permissions, @binding, @unbound, @status, @secret, @created, @by, @expires, " +
                "@disabled, @reason, @pending, @vault, @vaultName, @from, @to, @passphrase, @versions, @withdrawalFails, @withdrawalLocked, @version, @mac, @decision)",
                KeyParameters(
                    key,
                    rowVersion,
                    mac,
                    ("account", key.AccountId),
                    ("secret", sealedSecret),
                    ("created", Time(key.CreatedAt)),
                    ("by", key.CreatedBy),
                    ("passphrase", sealedPassphrase),
                    ("versions", (int)key.KeyVersions)));
        }
        catch (DbException e) when (dialect.IsConstraintViolation(e))
        {
            throw new KeyAdminException(KeyAdminError.KeyNameExists, $"The account already has a key named '{key.Name}'.", key.Name, e);
        }
    }

    public void UpdateKey(ApiKey key)
    {
        var (rowVersion, mac) = Seal(Tables.Keys, key.KeyId, c => RowSeal.Fields(c, key));
        try
        {
            Execute(
                "UPDATE api_keys SET name = @name, name_key = @key, memo = @memo, permissions = @permissions, ip_binding = @binding, unbound_sensitive = @unbound, " +
                "status = @status, expires_at = @expires, disabled_at = @disabled, disabled_reason = @reason, pending_delivery = @pending, " +
                "vault_name = @vault, vault_secret_name = @vaultName, rotated_from = @from, rotated_to = @to, " +
                "withdrawal_failures = @withdrawalFails, withdrawal_locked_until = @withdrawalLocked, row_version = @version, row_mac = @mac, decision_mac = @decision WHERE key_id = @id",
                KeyParameters(key, rowVersion, mac));
        }
        catch (DbException e) when (dialect.IsConstraintViolation(e))
        {
            var message = dialect.Message(e);
            throw message.Contains("KeyAdmin.PermissionsImmutable", StringComparison.Ordinal)
                ? new KeyAdminException(KeyAdminError.PermissionsImmutable, "A key's permissions are fixed at creation; create a new key and retire this one.", key.KeyId, e)
                : message.Contains("KeyAdmin.KeyDeleted", StringComparison.Ordinal)
                    ? new KeyAdminException(KeyAdminError.KeyDeleted, $"The key {key.KeyId} is deleted; deletion is final.", key.KeyId, e)
                    : new KeyAdminException(KeyAdminError.KeyNameExists, $"The account already has a key named '{key.Name}'.", key.Name, e);
        }
    }

    public void DestroyKey(ApiKey deleted)
    {
        // The passphrase goes with the secret: the row is sealed as it will be, without one.
        var row = deleted with { HasPassphrase = false };
        var (rowVersion, mac) = Seal(Tables.Keys, deleted.KeyId, c => RowSeal.Fields(c, row));
        // SQLite's secure_delete (set on every connection) zeroes the freed bytes of the sealed secret and passphrase in the file;
        // PostgreSQL's old row version is reclaimed by (auto)vacuum (see PostgresStore.PurgeDestroyed).
        Execute(
            "UPDATE api_keys SET status = 'Deleted', deleted_at = @deleted, secret = NULL, passphrase = NULL, row_version = @version, row_mac = @mac, decision_mac = @decision WHERE key_id = @id",
            ("id", deleted.KeyId),
            ("deleted", Time(deleted.DeletedAt)),
            ("version", rowVersion),
            ("mac", mac),
            ("decision", seal.Of(RowSeal.KeyDecisions, deleted.KeyId, rowVersion, row, RowSeal.DecisionFields)));
    }

    public void RecordUsage(IReadOnlyCollection<KeyUsage> usage)
    {
        foreach (var use in usage)
        {
            // Never moves last use backwards: flushes of several verifiers may arrive out of order. Last use is not
            // part of the row's seal (RowSeal), so this touches neither.
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
                "ON CONFLICT (key_id, reason) DO UPDATE SET count = verification_refusals.count + excluded.count, " +
                "last_at = CASE WHEN excluded.last_at > verification_refusals.last_at THEN excluded.last_at ELSE verification_refusals.last_at END",
                ("id", count.KeyId),
                ("reason", count.Reason),
                ("count", count.Count),
                ("at", Time(count.LastAt)));
        }
    }

    public IReadOnlyList<RefusalCount> ReadRefusals(string? keyId) => QueryList(
        "SELECT key_id, reason, count, last_at FROM verification_refusals" + (keyId is null ? string.Empty : " WHERE key_id = @id") + " ORDER BY key_id, reason",
        r => new RefusalCount(r.GetString(0), r.GetString(1), r.GetInt64(2), FromTime(r.GetInt64(3))),
        keyId is null ? Array.Empty<(string, object?)>() : new (string, object?)[] { ("id", keyId) });

    /// <summary>
    /// The key of a <see cref="StoreRows.KeyColumns"/> row, checked with its account's row (which gives its account
    /// name); <paramref name="accounts"/> remembers accounts already checked in this stream, with their problem. A
    /// remembered check stands only for the same row: another row under the same id (a copy put back beside it where
    /// the primary key was dropped) is checked on its own.
    /// </summary>
    private Checked<ApiKey> CheckedKey(DbDataReader r, Dictionary<string, CheckedAccount>? accounts = null)
    {
        var key = Decode(r, Tables.Keys, ReadKey, out var unreadable);
        if (key is null)
        {
            return new Checked<ApiKey>(null, unreadable);
        }

        var keyProblem = Problem(Tables.Keys, key.KeyId, ReadStamp(r, KeyStamp), key, RowSeal.Fields);
        if (keyProblem is not null)
        {
            return new Checked<ApiKey>(null, Tampered(Tables.Keys, key.KeyId, keyProblem));
        }

        var account = Decode(r, Tables.Accounts, row => StoreRows.ReadAccount(row, KeyAccount), out unreadable, key.AccountId);
        if (account is null)
        {
            return new Checked<ApiKey>(null, unreadable);
        }

        var stamp = ReadStamp(r, KeyAccountStamp);
        string? accountProblem;
        if (accounts is not null && accounts.TryGetValue(key.AccountId, out var seen) && seen.IsRow(account, stamp))
        {
            accountProblem = seen.Problem;
        }
        else
        {
            accountProblem = Problem(Tables.Accounts, account.AccountId, stamp, account, RowSeal.Fields);
            if (accounts is not null)
            {
                accounts[key.AccountId] = new CheckedAccount(account, stamp, accountProblem);
            }
        }

        return accountProblem is null
            ? new Checked<ApiKey>(key, null)
            : new Checked<ApiKey>(null, Tampered(Tables.Accounts, key.AccountId, accountProblem));
    }

    /// <summary>An account row as a stream checked it: its values, its stamp, and what was wrong with it.</summary>
    private sealed record CheckedAccount(Accounts.Account Account, RowStamp Stamp, string? Problem)
    {
        public bool IsRow(Accounts.Account account, RowStamp stamp) =>
            Account == account && Stamp.Version == stamp.Version && Stamp.Latest == stamp.Latest &&
            (Stamp.Mac ?? Array.Empty<byte>()).AsSpan().SequenceEqual(stamp.Mac ?? Array.Empty<byte>());
    }

    /// <summary>The columns of a key, which inserts and updates bind alike, with its seal and <paramref name="more"/>.</summary>
    private (string, object?)[] KeyParameters(ApiKey key, long rowVersion, byte[] mac, params (string, object?)[] more) => new (string, object?)[]
    {
        ("decision", seal.Of(RowSeal.KeyDecisions, key.KeyId, rowVersion, key, RowSeal.DecisionFields)),
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
        ("reason", key.DisabledReason),
        ("pending", key.PendingDelivery),
        ("vault", key.Vault),
        ("vaultName", key.VaultSecretName),
        ("from", key.RotatedFrom),
        ("to", key.RotatedTo),
        ("withdrawalFails", key.WithdrawalFailedCodeCount),
        ("withdrawalLocked", Time(key.WithdrawalLockedUntil)),
        ("version", rowVersion),
        ("mac", mac),
    }.Concat(more).ToArray();
}
