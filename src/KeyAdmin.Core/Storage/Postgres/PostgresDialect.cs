using System.Data.Common;
using KeyAdmin.Core.Storage.Sql;
using Npgsql;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>PostgreSQL's side of the shared session: its types, its trigger syntax and what its SQLSTATEs mean.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect()
    {
    }

    public override string Engine => "PostgreSQL";

    /// <summary>
    /// The meta table is <c>keyadmin_meta</c> here: its presence marks the schema as KeyAdmin's, in a database that
    /// other applications may share.
    /// </summary>
    public override string Table(string logical) => logical == "meta" ? PostgresSchema.MetaTable : logical;

    public override string KeyListingFrom => "api_keys k JOIN accounts a ON a.account_id = k.account_id";

    // The table owner (the role KeyAdmin connects as) may give its tables row security, with a policy that looks at
    // current_query(): the server would then show the verifier an older row as the latest and the chain check the
    // truth. KeyAdmin creates plain tables only, without rules or row security.
    public override string SchemaScan =>
        "SELECT c.relname, CASE WHEN c.relkind IN ('v', 'm', 'f', 'p') THEN 'it is not a plain table (relkind ' || c.relkind::text || ')' " +
        "WHEN c.relrowsecurity OR c.relforcerowsecurity THEN 'it has row security, whose policies can show each statement other rows' " +
        "ELSE 'it has rewrite rules, which can change what a statement reads' END " +
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        $"WHERE n.nspname = '{PostgresSchema.Name}' AND (c.relkind IN ('v', 'm', 'f', 'p') OR c.relrowsecurity OR c.relforcerowsecurity " +
        "OR EXISTS (SELECT 1 FROM pg_rewrite w WHERE w.ev_class = c.oid)) ORDER BY c.relname";

    /// <summary>The channel every verifier of the store listens on (<see cref="PostgresChangeWatch"/>).</summary>
    public const string ChangeChannel = "keyadmin_changes";

    public override string? ChangeNotification => $"SELECT pg_notify('{ChangeChannel}', @seq)";

    public override string StringAggregate(string column) => $"string_agg({column}, ',')";

    // PostgreSQL's columns hold only their declared types: each value packs as it is, a bytea as hexadecimal text.
    public override string PackRow(IReadOnlyList<(string Expression, SqlType Type)> values) =>
        "json_build_array(" + string.Join(", ", values.Select(v => v.Type == SqlType.Blob ? $"encode({v.Expression}, 'hex')" : v.Expression)) + ")::text";

    public override string Contains(string haystack, string needle) => $"strpos({haystack}, {needle}) > 0";

    // The triggers raise check_violation (keyadmin_refuse below).
    public override bool IsConstraintViolation(DbException e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation };

    public override bool IsRetryable(DbException e) => PostgresFaults.IsRetryable(e);

    public override string Message(DbException e) => e is PostgresException p ? p.MessageText : e.Message;

    public override string TypeName(SqlType type) => type switch
    {
        SqlType.Text => "TEXT",
        SqlType.Int => "INTEGER",
        SqlType.Bool => "BOOLEAN",
        SqlType.Blob => "BYTEA",
        _ => "BIGINT",
    };

    public override string Literal(SqlType type, object value) => value switch
    {
        bool flag => flag ? "TRUE" : "FALSE",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    public override string SchemaPrelude =>
        """
        CREATE FUNCTION keyadmin_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'check_violation';
        END;
        $$;
        """;

    public override string Changed(string column) => $"NEW.{column} IS DISTINCT FROM OLD.{column}";

    public override string DropTrigger(string name, string table) => $"DROP TRIGGER {name} ON {table};";

    public override string RefuseUpdateTrigger(string name, string table, IReadOnlyList<string>? ofColumns, string condition, string error) =>
        $"CREATE TRIGGER {name} BEFORE UPDATE{(ofColumns is null ? string.Empty : " OF " + string.Join(", ", ofColumns))} ON {table}\n" +
        $"FOR EACH ROW WHEN ({condition})\nEXECUTE FUNCTION keyadmin_refuse('{error}');";
}
