using System.Text;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>A column as the schema describes it, independent of any engine.</summary>
internal sealed record Column(string Name, SqlType Type, bool NotNull = false, object? Default = null, string? Constraint = null)
{
    /// <summary>A primary key column; <paramref name="constraint"/> adds a CHECK or REFERENCES clause.</summary>
    public static Column Key(string name, SqlType type = SqlType.Text, string? constraint = null) => new(name, type, NotNull: false, Constraint: "PRIMARY KEY" + (constraint is null ? string.Empty : " " + constraint));

    public static Column Required(string name, SqlType type, object? defaultValue = null, string? constraint = null) => new(name, type, NotNull: true, defaultValue, constraint);

    public static Column Optional(string name, SqlType type) => new(name, type);
}

/// <summary>One step of a migration; each dialect renders it as its DDL.</summary>
internal abstract record SchemaStep
{
    public abstract string Render(SqlDialect dialect);
}

internal sealed record CreateTable(string Name, IReadOnlyList<Column> Columns, IReadOnlyList<string>? PrimaryKey = null) : SchemaStep
{
    public override string Render(SqlDialect dialect)
    {
        var lines = Columns.Select(c => "    " + ColumnDdl.Of(c, dialect)).ToList();
        if (PrimaryKey is not null)
        {
            lines.Add($"    PRIMARY KEY ({string.Join(", ", PrimaryKey)})");
        }

        return $"CREATE TABLE {dialect.Table(Name)} (\n{string.Join(",\n", lines)}\n);";
    }
}

internal sealed record AddColumn(string Table, Column Column) : SchemaStep
{
    public override string Render(SqlDialect dialect) => $"ALTER TABLE {dialect.Table(Table)} ADD COLUMN {ColumnDdl.Of(Column, dialect)};";
}

internal sealed record CreateIndex(string Name, string Table, IReadOnlyList<string> Columns, bool Unique = false, string? Where = null) : SchemaStep
{
    public override string Render(SqlDialect dialect) =>
        $"CREATE {(Unique ? "UNIQUE " : string.Empty)}INDEX {Name} ON {dialect.Table(Table)} ({string.Join(", ", Columns)})" +
        (Where is null ? string.Empty : " WHERE " + Where) + ";";
}

internal sealed record DropIndex(string Name) : SchemaStep
{
    public override string Render(SqlDialect dialect) => $"DROP INDEX {Name};";
}

/// <summary>
/// A rule that holds even for a program that writes SQL directly: an update of <paramref name="Table"/> is refused
/// with <paramref name="Error"/> when one of <paramref name="ChangedColumns"/> changes, or when the old row
/// matches <paramref name="OldRowCondition"/> (written with <c>OLD.</c>, in SQL both engines read alike).
/// </summary>
internal sealed record RefuseUpdate(string Name, string Table, string Error, IReadOnlyList<string>? ChangedColumns = null, string? OldRowCondition = null, IReadOnlyList<string>? OfColumns = null) : SchemaStep
{
    public override string Render(SqlDialect dialect)
    {
        var condition = ChangedColumns is not null
            ? string.Join(" OR ", ChangedColumns.Select(dialect.Changed))
            : OldRowCondition ?? throw new InvalidOperationException($"Trigger {Name} refuses nothing.");
        return dialect.RefuseUpdateTrigger(Name, dialect.Table(Table), OfColumns ?? ChangedColumns, condition, Error);
    }
}

internal sealed record DropTrigger(string Name, string Table) : SchemaStep
{
    public override string Render(SqlDialect dialect) => dialect.DropTrigger(Name, dialect.Table(Table));
}

/// <summary>
/// A forward-only migration: its steps run in one transaction, in order. One that <paramref name="SealsRows"/>
/// introduces the row seals: after its DDL, the engine seals every existing row under the key-encryption key in
/// the same transaction (<see cref="StoreSession.SealExistingRows"/>).
/// </summary>
internal sealed record Migration(string Purpose, IReadOnlyList<SchemaStep> Steps, bool SealsRows = false)
{
    public string Render(SqlDialect dialect, bool first)
    {
        var sql = new StringBuilder();
        sql.Append("-- ").Append(Purpose).Append('\n');
        if (first && dialect.SchemaPrelude.Length > 0)
        {
            sql.Append(dialect.SchemaPrelude).Append('\n');
        }

        foreach (var step in Steps)
        {
            sql.Append(step.Render(dialect)).Append('\n');
        }

        return sql.ToString();
    }
}

internal static class ColumnDdl
{
    public static string Of(Column c, SqlDialect dialect)
    {
        var ddl = new StringBuilder(c.Name).Append(' ').Append(dialect.TypeName(c.Type));
        if (c.NotNull)
        {
            ddl.Append(" NOT NULL");
        }

        if (c.Default is not null)
        {
            ddl.Append(" DEFAULT ").Append(dialect.Literal(c.Type, c.Default));
        }

        if (c.Constraint is not null)
        {
            ddl.Append(' ').Append(c.Constraint).Append(dialect.KeySuffix(c.Type));
        }

        return ddl.ToString();
    }
}
