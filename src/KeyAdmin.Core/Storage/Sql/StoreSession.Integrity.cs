using System.Data.Common;
using System.Globalization;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>The integrity scan of the small sealed tables, and the one-time sealing of a store written before seals existed.</summary>
internal sealed partial class StoreSession
{
    /// <summary>The action of the audit record that seals a store's rows for the first time.</summary>
    public const string UpgradeAction = "Store.Upgrade";

    /// <summary>The "table" a <see cref="TamperedRow"/> of the schema itself names.</summary>
    public const string SchemaTable = "schema";

    /// <summary>
    /// The relations of the store through which the server could show one statement other rows than another
    /// (<see cref="SqlDialect.SchemaScan"/>), and each object of the catalogue that is not the migrations' own
    /// (<see cref="SqlDialect.SchemaCatalogue"/>): one more, one changed, one missing.
    /// </summary>
    public IReadOnlyList<TamperedRow> ScanSchema()
    {
        var found = Scan(dialect.SchemaScan).ToList();
        if (dialect.SchemaCatalogue is not var (catalogue, expected))
        {
            return found;
        }

        // Every column as text or null: whoever edits the catalogue under writable_schema can leave any value in it.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, type, table, sql) in QueryList(catalogue, r => (TextOrNull(r, 0) ?? string.Empty, TextOrNull(r, 1), TextOrNull(r, 2), TextOrNull(r, 3))))
        {
            if (!seen.Add(name))
            {
                found.Add(new TamperedRow(SchemaTable, name, "it is in the catalogue twice (changed outside KeyAdmin)"));
            }
            else if (!expected.TryGetValue(name, out var own))
            {
                found.Add(new TamperedRow(SchemaTable, name, $"it is a {type} on {table} that KeyAdmin did not create"));
            }
            else if (own != (type, table, sql))
            {
                found.Add(new TamperedRow(SchemaTable, name, "its definition is not the one KeyAdmin wrote (changed outside KeyAdmin)"));
            }
        }

        foreach (var name in expected.Keys.Where(n => !seen.Contains(n)).Order(StringComparer.Ordinal))
        {
            found.Add(new TamperedRow(SchemaTable, name, "it is missing: KeyAdmin created it, and it was dropped outside KeyAdmin"));
        }

        return found;
    }

    /// <summary>The engine's check that every index holds what its table holds (<see cref="SqlDialect.StorageScan"/>); reads the whole store.</summary>
    public IReadOnlyList<TamperedRow> ScanStorage() => Scan(dialect.StorageScan);

    /// <summary>The rows of (what, what is wrong) that a scan of the schema or the storage returns; none where the engine has no such scan.</summary>
    private IReadOnlyList<TamperedRow> Scan(string? query) => query is null
        ? Array.Empty<TamperedRow>()
        : QueryList(query, r => new TamperedRow(SchemaTable, r.GetString(0), r.GetString(1)));

    /// <summary>
    /// Every row of the sealed tables except keys (which <see cref="StreamCheckedKeys"/> checks as it lists them)
    /// that fails its check, with what is wrong. Reads only.
    /// </summary>
    public IReadOnlyList<TamperedRow> ScanIntegrity()
    {
        var found = ScanSchema().ToList();
        void Check<T>(string sql, string table, Func<DbDataReader, T> read, Func<T, string> id, int stampAt, Action<Canonical, T> fields)
            where T : class
        {
            foreach (var (row, unreadable, stamp) in QueryList(sql, r => (Decode(r, table, read, out var refusal, table == Tables.Policy ? PolicyId : null), refusal, ReadStamp(r, stampAt))))
            {
                if (row is null)
                {
                    var (_, rowId) = RowSeal.Split(unreadable!.Target as string);
                    found.Add(new TamperedRow(table, rowId, unreadable.Message));
                }
                else if (Problem(table, id(row), stamp, c => fields(c, row)) is { } problem)
                {
                    found.Add(new TamperedRow(table, id(row), problem));
                }
            }
        }

        var accountIds = new List<string>();
        long accountRows = 0;
        Check($"SELECT {AccountSelect} FROM accounts ORDER BY name_key", Tables.Accounts, r => { accountRows++; return StoreRows.ReadAccount(r); }, a => { accountIds.Add(a.AccountId); return a.AccountId; }, AccountStamp, RowSeal.Fields);
        found.AddRange(NameIndexProblems(accountIds, accountRows));
        Check($"SELECT {AuthenticatorSelect} FROM authenticators ORDER BY account_id, created_at", Tables.Authenticators, ReadAuthenticator, a => a.AuthenticatorId, AuthenticatorStamp, RowSeal.Fields);
        Check($"SELECT {RotationSelect} FROM rotations ORDER BY started_at", Tables.Rotations, ReadRotation, r => r.RotationId, RotationStamp, RowSeal.Fields);
        Check($"SELECT {PolicySelect} FROM policy", Tables.Policy, StoreRows.ReadPolicy, _ => PolicyId, PolicyStamp, RowSeal.Fields);
        Check($"SELECT {RecoveryCodeSelect} FROM recovery_codes ORDER BY account_id, code_id", Tables.RecoveryCodes, StoreRows.ReadRecoveryCode, c => c.CodeId, RecoveryCodeStamp, RowSeal.Fields);
        Check(
            $"SELECT name, value, {Stamp(Tables.Meta, "name")} FROM {dialect.Table(Tables.Meta)} WHERE name <> '{AuditHeadName}' AND name <> 'schema_version' ORDER BY name",
            Tables.Meta,
            r => new MetaRow(r.GetString(0), r.GetString(1)),
            m => m.Name,
            2,
            (c, m) => c.Add(m.Value));
        if (found.All(t => t.Table != Tables.Policy))
        {
            try
            {
                ReadPolicy(); // a deleted policy row: the row scan above found nothing to check
            }
            catch (KeyAdminException e) when (e.Error == KeyAdminError.StoreTampered)
            {
                found.Add(new TamperedRow(Tables.Policy, PolicyId, e.Message));
            }
        }

        return found;
    }

    private sealed record MetaRow(string Name, string Value);

    /// <summary>
    /// Seals every row of a store migrated from <paramref name="fromVersion"/> (before row seals), in the migration's
    /// transaction, and records it with one audit record. Refused when the store's audit chain is broken or missing
    /// (a store from before the chain), or when the chain shows that the store was sealed before (its seals were
    /// removed since): sealing then would bless whatever was changed meanwhile.
    /// </summary>
    public void SealExistingRows(int fromVersion)
    {
        var records = StreamAudit(new AuditQuery()).ToList();
        if (records.FirstOrDefault(e => e.Action is UpgradeAction or SqlStore.CreateAction && SchemaVersionOf(e.Detail) >= StoreSchema.SealedSince) is { } earlier)
        {
            throw Tampered("audit", earlier.Sequence.ToString(CultureInfo.InvariantCulture),
                "the store was sealed before (this record), yet its rows have no seals now: they were removed outside KeyAdmin");
        }

        if (fromVersion < StoreSchema.ChainedSince)
        {
            // No release wrote a store without the audit chain, and a log without one proves nothing: whoever writes the
            // database could strip the chain and seals of a current store, edit it, and call it that old, to have the
            // edits chained and sealed here.
            throw Tampered("audit", "chain",
                $"the store says it has schema {fromVersion}, from before the audit chain, so nothing proves its log and its rows cannot be sealed as they are");
        }

        var report = chain.Verify(records, ReadAuditHead());
        if (!report.IsIntact)
        {
            throw Tampered("audit", report.FirstBrokenSequence?.ToString(CultureInfo.InvariantCulture) ?? "chain",
                $"the audit chain is broken ({report.Problem}), so the store's rows cannot be sealed as they are");
        }

        var sealedRows = 0;
        foreach (var account in QueryList($"SELECT {AccountColumns} FROM accounts", r => StoreRows.ReadAccount(r)))
        {
            Reseal(Tables.Accounts, "account_id", account.AccountId, c => RowSeal.Fields(c, account));
            sealedRows++;
        }

        foreach (var authenticator in QueryList($"SELECT {AuthenticatorColumns} FROM authenticators", ReadAuthenticator))
        {
            Reseal(Tables.Authenticators, "authenticator_id", authenticator.AuthenticatorId, c => RowSeal.Fields(c, authenticator));
            sealedRows++;
        }

        foreach (var key in QueryList($"SELECT {KeyColumns} FROM api_keys k JOIN accounts a ON a.account_id = k.account_id", ReadKey))
        {
            Reseal(Tables.Keys, "key_id", key.KeyId, c => RowSeal.Fields(c, key));
            sealedRows++;
        }

        foreach (var rotation in QueryList($"SELECT {RotationColumns} FROM rotations", ReadRotation))
        {
            Reseal(Tables.Rotations, "rotation_id", rotation.RotationId, c => RowSeal.Fields(c, rotation));
            sealedRows++;
        }

        foreach (var code in QueryList($"SELECT {RecoveryCodeColumns} FROM recovery_codes", StoreRows.ReadRecoveryCode))
        {
            Reseal(Tables.RecoveryCodes, "code_id", code.CodeId, c => RowSeal.Fields(c, code));
            sealedRows++;
        }

        if (QuerySingle($"SELECT {PolicyColumns} FROM policy WHERE id = 1", StoreRows.ReadPolicy) is { } policy)
        {
            Reseal(Tables.Policy, "id", PolicyId, c => RowSeal.Fields(c, policy), 1);
            sealedRows++;
        }

        foreach (var (name, value) in QueryList(
            $"SELECT name, value FROM {dialect.Table(Tables.Meta)} WHERE name <> '{AuditHeadName}' AND name <> 'schema_version'",
            r => (r.GetString(0), r.GetString(1))))
        {
            Reseal(Tables.Meta, "name", name, c => c.Add(value));
            sealedRows++;
        }

        Append(new AuditEntry
        {
            At = DateTimeOffset.UtcNow,
            Actor = Actor.Current().User,
            ActorHost = Actor.Current().Host,
            Action = UpgradeAction,
            Target = "store",
            Outcome = AuditOutcome.Succeeded,
            Detail = string.Create(CultureInfo.InvariantCulture, $"FromSchema={fromVersion}; SchemaVersion={StoreSchema.CurrentVersion}; SealedRows={sealedRows}"),
        });
    }

    /// <summary>The SchemaVersion a Store.Create or Store.Upgrade record names; 0 when it names none.</summary>
    private static int SchemaVersionOf(string? detail)
    {
        var part = detail?.Split("; ").FirstOrDefault(p => p.StartsWith("SchemaVersion=", StringComparison.Ordinal));
        return part is not null && int.TryParse(part["SchemaVersion=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 0;
    }

    private void Reseal(string table, string idColumn, string id, Action<Canonical> fields, object? idValue = null)
    {
        var (rowVersion, mac) = Seal(table, id, fields);
        Execute(
            $"UPDATE {dialect.Table(table)} SET row_version = @version, row_mac = @mac WHERE {idColumn} = @id",
            ("version", rowVersion),
            ("mac", mac),
            ("id", idValue ?? id));
    }
}
