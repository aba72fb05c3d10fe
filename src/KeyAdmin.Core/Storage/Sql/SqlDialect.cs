using System.Data.Common;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// What one engine does differently from the others, and nothing else: the seam between the shared
/// <see cref="StoreSession"/> (every statement of the store contract, written once) and an engine folder
/// (connections, transactions, locking, migrations). A third engine implements this, its DDL types, and a
/// store class that opens transactions; the statements and the row mapping stay as they are.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>The engine's name, as <see cref="StoreDescription.Engine"/> shows it.</summary>
    public abstract string Engine { get; }

    /// <summary>The physical name of a table the schema names <paramref name="logical"/> (an engine may prefix some).</summary>
    public virtual string Table(string logical) => logical;

    /// <summary>A statement that counts the rows of <paramref name="logical"/> in the table itself, not through one of its indexes.</summary>
    public virtual string CountRows(string logical) => $"SELECT count(*) FROM {Table(logical)}";

    /// <summary>
    /// The FROM clause of the key listing (aliases <c>k</c> for keys, <c>a</c> for accounts), written so that the
    /// engine's planner streams the first row in account-name order without sorting the whole table first.
    /// </summary>
    public abstract string KeyListingFrom { get; }

    /// <summary>An aggregate that joins <paramref name="column"/>'s values with commas, in any order.</summary>
    public abstract string StringAggregate(string column);

    /// <summary>
    /// One value that holds <paramref name="values"/> (SQL expressions of the given types) as a JSON array, in order,
    /// for <see cref="Sql.PackedRow"/>: blobs as hexadecimal text, times and integers as numbers, flags as numbers
    /// or booleans, NULL as null. The engine escapes what it packs, so a stored value can never become two.
    /// </summary>
    public abstract string PackRow(IReadOnlyList<(string Expression, SqlType Type)> values);

    /// <summary>The UTF-8 bytes of a value that <see cref="PackRow"/> selected.</summary>
    public virtual byte[] ReadPacked(DbDataReader r, int ordinal) => System.Text.Encoding.UTF8.GetBytes(r.GetString(ordinal));

    /// <summary>True when <paramref name="needle"/> occurs in <paramref name="haystack"/> (both SQL expressions).</summary>
    public abstract string Contains(string haystack, string needle);

    /// <summary>
    /// True when <paramref name="column"/> holds a value of <paramref name="type"/> (not NULL). An engine whose columns
    /// hold only their declared type says so; one that keeps any value in any column (SQLite) asks.
    /// </summary>
    public virtual string IsStoredAs(string column, SqlType type) => $"{column} IS NOT NULL";

    /// <summary>
    /// A query for the relations of the store's schema through which the server could answer one statement
    /// differently from another over the same rows (row security policies, rewrite rules, a view or foreign table in
    /// a table's place), as rows of (name, what is wrong); null for an engine that has no such means (SQLite's
    /// views cannot tell one statement from another; an index that lacks rows can, which <see cref="StorageScan"/> finds).
    /// </summary>
    public virtual string? SchemaScan => null;

    /// <summary>
    /// A query of the store's catalogue (name, type, table, definition of each object) and the objects it must hold,
    /// exactly, by name, where the engine lets whoever writes the file change them: an index, view or trigger more, or
    /// a definition changed, would make one statement read other rows than another. Null where
    /// <see cref="SchemaScan"/> looks for what could.
    /// </summary>
    public virtual (string Query, IReadOnlyDictionary<string, (string Type, string Table, string? Sql)> Objects)? SchemaCatalogue => null;

    /// <summary>
    /// A query for rows of (what, what is wrong) from the engine's own check that each index holds exactly what its
    /// table holds; null for an engine without one a client can run. An index that lacks a row (or holds one the
    /// table does not) answers the statements that read through it otherwise than those that read the table or
    /// another index: the read check finds a row's latest version through audit_rows' primary key, the chain check
    /// through its index by sequence, a listing finds keys through their account's index, the verifier through their
    /// primary key. It reads the whole store: the audit check runs it, no open does.
    /// </summary>
    public virtual string? StorageScan => null;

    /// <summary>
    /// Two queries that find the key rows a listing of every key does not reach through <see cref="KeyListingFrom"/>:
    /// the number of rows the key table holds, counted in the table itself and not through an index; and the ids of
    /// those rows that the listing's join does not lead to (an entry left out of the index the listing reads, or an
    /// account row that is gone). Null for an engine whose indexes no client can write, where the join reaches every
    /// key whose account exists, and a key without one is refused by every lookup.
    /// </summary>
    public virtual (string Count, string Unreached)? KeyTableCheck => null;

    /// <summary>
    /// A statement that tells every verifier listening on this engine that the transaction changed rows (parameter
    /// <c>@seq</c>, its version), delivered on commit; null where verifiers look at a change counter instead.
    /// </summary>
    public virtual string? ChangeNotification => null;

    /// <summary>A violated unique index, check or refusing trigger: the change breaks a rule the schema enforces.</summary>
    public abstract bool IsConstraintViolation(DbException e);

    /// <summary>
    /// A failure after which the engine's store runs the whole transaction again (it was rolled back by the server);
    /// everything else that fails while an audit record is written means the record was not written.
    /// </summary>
    public abstract bool IsRetryable(DbException e);

    /// <summary>The engine's own message, without the provider's wrapping (it names tables and constraints, no values).</summary>
    public abstract string Message(DbException e);

    /// <summary>The column type of <paramref name="type"/> in this engine's DDL.</summary>
    public abstract string TypeName(SqlType type);

    /// <summary>What follows PRIMARY KEY for a key column of <paramref name="type"/> (SQLite's AUTOINCREMENT for the audit sequence).</summary>
    public virtual string KeySuffix(SqlType type) => string.Empty;

    /// <summary>A literal default of <paramref name="type"/>.</summary>
    public abstract string Literal(SqlType type, object value);

    /// <summary>Statements the first migration runs before any table (functions the triggers call, say).</summary>
    public virtual string SchemaPrelude => string.Empty;

    /// <summary>True when the new row differs from the old in <paramref name="column"/>, nulls included.</summary>
    public abstract string Changed(string column);

    public abstract string DropTrigger(string name, string table);

    /// <summary>A trigger that refuses an update of <paramref name="table"/> when <paramref name="condition"/> holds, with <paramref name="error"/> as its message.</summary>
    public abstract string RefuseUpdateTrigger(string name, string table, IReadOnlyList<string>? ofColumns, string condition, string error);
}

/// <summary>The column types the schema uses; each dialect names them in its DDL.</summary>
internal enum SqlType
{
    Text,

    /// <summary>A 32-bit integer.</summary>
    Int,

    /// <summary>A 64-bit integer.</summary>
    Long,

    /// <summary>Unix milliseconds, as every engine stores times (so both engines read and write the same values).</summary>
    Time,

    Bool,

    Blob,

    /// <summary>The audit log's record number: assigned by the store under its write lock, never reused.</summary>
    Sequence,
}
