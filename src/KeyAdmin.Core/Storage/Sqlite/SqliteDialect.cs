using System.Data.Common;
using KeyAdmin.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>SQLite's side of the shared session: its types, its trigger syntax and what its error codes mean.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

    public override string Engine => "SQLite";

    // Whoever writes the file can add an index (which the planner may prefer, through statistics of their own, to answer
    // lookups by id from rows the table no longer holds), a view or a trigger, or edit a definition under
    // writable_schema (account ids compared without regard to case): the catalogue must be the migrations' own.
    public override (string Query, IReadOnlyDictionary<string, (string Type, string Table, string? Sql)> Objects)? SchemaCatalogue =>
        ("SELECT name, type, tbl_name, sql FROM sqlite_schema", SqliteSchema.Objects);

    // SQLite's count(*) counts the smallest index, which whoever writes the file can give fewer entries.
    public override string CountRows(string logical) => $"SELECT count(*) FROM {Table(logical)} NOT INDEXED";

    // Accounts in name order as the outer loop (CROSS JOIN fixes the order in SQLite), each account's keys from
    // its index: SQLite then sorts one account's keys at a time ("temp b-tree for right part of order by") and the
    // first key streams at once. The planner's own choice sorted the whole table before the first row: on a large
    // store, seconds and a temp file as large as the table (docs/PERFORMANCE.md).
    public override string KeyListingFrom => "accounts a CROSS JOIN api_keys k ON a.account_id = k.account_id";

    // Whoever writes the file can leave a key out of ix_api_keys_account, which the listing reads (the b-tree of a
    // partial index swapped in under writable_schema), or point it at an account that is gone: the listing and
    // compliance would not show a key that still works through its primary key. The table's own count (NOT INDEXED:
    // SQLite's count(*) would otherwise count the smallest index) takes 10 ms at 100,000 keys and decides; the ids,
    // 60 ms, only when the counts differ, asked of the index the planner reads for the listing (an error where that
    // index is gone, and the count alone is reported).
    // A key is reached where its account's entry in the name index (which the listing walks) leads to its account's
    // own row, and that account's entry for it in ix_api_keys_account to its own row.
    public override (string Count, string Unreached)? KeyTableCheck => (
        CountRows("api_keys"),
        "SELECT CAST(k.key_id AS TEXT) FROM api_keys k NOT INDEXED WHERE NOT EXISTS (SELECT 1 FROM accounts t CROSS JOIN accounts a " +
        "INDEXED BY sqlite_autoindex_accounts_2 CROSS JOIN api_keys l INDEXED BY ix_api_keys_account ON a.account_id = l.account_id " +
        "WHERE t.account_id = k.account_id AND a.name_key = t.name_key AND a.rowid = t.rowid AND l.status = k.status AND l.rowid = k.rowid)");

    public override string StringAggregate(string column) => $"group_concat({column}, ',')";

    // Each value is cast to its column's type before it is packed. SQLite keeps any value in any column, and
    // json_array refuses a blob outright: one row written outside KeyAdmin would fail the whole listing. Cast, a
    // value reads as the provider's typed getters read it (text as its characters, a number as its integer), and
    // the row's seal decides, as it does for every other read. hex(NULL) would be '', so NULL stays NULL.
    public override string PackRow(IReadOnlyList<(string Expression, SqlType Type)> values) =>
        "json_array(" + string.Join(", ", values.Select(v => v.Type switch
        {
            SqlType.Text => $"CAST({v.Expression} AS TEXT)",
            SqlType.Blob => $"CASE WHEN {v.Expression} IS NULL THEN NULL ELSE hex({v.Expression}) END",
            _ => $"CAST({v.Expression} AS INTEGER)",
        })) + ")";

    // Whoever writes the file can give an index the b-tree of another (root pages swapped under writable_schema):
    // the schema's text and the table stay as they were, and only this check sees the index lacks rows.
    public override string? StorageScan =>
        "SELECT 'database', integrity_check FROM pragma_integrity_check WHERE integrity_check <> 'ok'";

    // json_array's result is text; its bytes are its UTF-8, read without a conversion to a .NET string.
    public override byte[] ReadPacked(DbDataReader r, int ordinal) => r.GetFieldValue<byte[]>(ordinal);

    public override string Contains(string haystack, string needle) => $"instr({haystack}, {needle}) > 0";

    // A column's type is only its affinity: a BLOB (or text in an INTEGER column) stays what it was stored as.
    public override string IsStoredAs(string column, SqlType type) => type switch
    {
        SqlType.Text => $"typeof({column}) = 'text'",
        SqlType.Blob => $"typeof({column}) = 'blob'",
        _ => $"typeof({column}) = 'integer'",
    };

    // SQLITE_CONSTRAINT: unique indexes, checks and the triggers' RAISE(ABORT).
    public override bool IsConstraintViolation(DbException e) => e is SqliteException { SqliteErrorCode: 19 };

    // A transaction that holds the file lock from BEGIN IMMEDIATE is never rolled back under it by another writer.
    public override bool IsRetryable(DbException e) => false;

    public override string Message(DbException e) => e.Message;

    public override string TypeName(SqlType type) => type switch
    {
        SqlType.Text => "TEXT",
        SqlType.Blob => "BLOB",
        _ => "INTEGER",
    };

    public override string KeySuffix(SqlType type) => type == SqlType.Sequence ? " AUTOINCREMENT" : string.Empty;

    public override string Literal(SqlType type, object value) => value switch
    {
        bool flag => flag ? "1" : "0",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    public override string Changed(string column) => $"NEW.{column} IS NOT OLD.{column}";

    public override string DropTrigger(string name, string table) => $"DROP TRIGGER {name};";

    public override string RefuseUpdateTrigger(string name, string table, IReadOnlyList<string>? ofColumns, string condition, string error) =>
        $"CREATE TRIGGER {name} BEFORE UPDATE{(ofColumns is null ? string.Empty : " OF " + string.Join(", ", ofColumns))} ON {table} WHEN {condition}\n" +
        $"BEGIN SELECT RAISE(ABORT, '{error}'); END;";
}
