using System.Data.Common;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// Every statement of the store contract, written once in SQL that SQLite and PostgreSQL read alike, run on one
/// connection inside one transaction that the engine's store opened (and, for writes, locked against every
/// other writer). What the engines do differently is asked of the <see cref="SqlDialect"/>.
/// </summary>
/// <remarks>
/// The one place where rows are sealed and checked (docs/SECURITY.md). Every row that decides security is written
/// with a <see cref="RowSeal"/> over its contents and its version — the sequence of the first audit record of the
/// transaction that wrote it — and every read checks the seal and that the version is the latest the audit chain's
/// row index records. <see cref="Complete"/> seals the transaction's audit records, their row index and the chain's
/// head just before the engine commits: nothing else ever seals a record.
/// </remarks>
internal sealed partial class StoreSession : IStoreWriter
{
    private readonly DbConnection connection;
    private readonly DbTransaction? transaction;
    private readonly ICommandSource commands;
    private readonly SqlDialect dialect;
    private readonly AuditChain chain;
    private readonly RowSeal seal;

    // What this transaction changed: its audit records (sealed at Complete) and the rows it wrote or deleted.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ParameterNames = new(StringComparer.Ordinal);
    private readonly List<AuditEntry> appended = new();
    private readonly SortedSet<string> changed = new(StringComparer.Ordinal);
    private long? version;
    private AuditHead? head;

    public StoreSession(DbConnection connection, DbTransaction? transaction, ICommandSource commands, SqlDialect dialect, StoreIntegrity integrity)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.commands = commands;
        this.dialect = dialect;
        chain = integrity.Chain;
        seal = integrity.Rows;
    }

    /// <summary>
    /// The version of the rows this transaction writes: the sequence its first audit record takes, one past the
    /// chain's sealed head. Taken on the first write, under the engine's write lock, after the head is checked.
    /// </summary>
    private long TransactionVersion()
    {
        if (version is null)
        {
            head = RequireIntactHead();
            version = (head?.Sequence ?? 0) + 1;
        }

        return version.Value;
    }

    /// <summary>The version and seal of a row this transaction writes; the row joins the transaction's row index.</summary>
    private (long Version, byte[] Mac) Seal(string table, string id, Action<Canonical> fields)
    {
        var rowVersion = TransactionVersion();
        changed.Add(RowSeal.Ref(table, id));
        return (rowVersion, seal.Of(table, id, rowVersion, fields));
    }

    /// <summary>Records in the row index that this transaction removed a row, so that a copy put back later is seen as old.</summary>
    private void Removed(string table, string id)
    {
        TransactionVersion();
        changed.Add(RowSeal.Ref(table, id));
    }

    /// <summary><paramref name="value"/>, when its row passes the integrity check; otherwise StoreTampered.</summary>
    private T Verified<T>(T value, string table, string id, RowStamp stamp, Action<Canonical> fields)
    {
        var problem = Problem(table, id, stamp, fields);
        return problem is null ? value : throw Tampered(table, id, problem);
    }

    /// <summary>What is wrong with a row as read, or null when its seal and version hold.</summary>
    private string? Problem(string table, string id, RowStamp stamp, Action<Canonical> fields) =>
        Problem(table, id, stamp, fields, static (c, f) => f(c));

    /// <summary>What is wrong with a row as read, or null when its seal and version hold; <paramref name="fields"/> writes <paramref name="row"/>'s sealed columns.</summary>
    private string? Problem<T>(string table, string id, RowStamp stamp, T row, Action<Canonical, T> fields) =>
        Problem(table, table, id, stamp, row, fields);

    /// <summary>As <see cref="Problem{T}(string, string, RowStamp, T, Action{Canonical, T})"/>, for a seal made under <paramref name="sealedAs"/> (a decision seal).</summary>
    private string? Problem<T>(string table, string sealedAs, string id, RowStamp stamp, T row, Action<Canonical, T> fields)
    {
        if (stamp.Version is not { } rowVersion || !seal.Matches(stamp.Mac, sealedAs, id, rowVersion, row, fields))
        {
            return "its seal does not match its contents (it was written or changed without the key-encryption key)";
        }

        if (rowVersion == version && changed.Contains(RowSeal.Ref(table, id)))
        {
            return null; // written by this transaction: its index entry is written at Complete
        }

        if (stamp.Latest is not { } latest || latest < rowVersion)
        {
            return $"the audit chain's row index does not record its version {rowVersion}";
        }

        return latest > rowVersion
            ? $"it was set back to an older version ({rowVersion}); the audit chain records version {latest}"
            : null;
    }

    /// <summary>
    /// The row <paramref name="read"/> maps from <paramref name="r"/>; null, and <paramref name="refusal"/> naming
    /// the row, when it holds a value KeyAdmin never writes (a status it does not know, a binding it cannot parse,
    /// NULL where it always writes a value). Such a row was written outside KeyAdmin: it is refused like one whose
    /// seal does not match, never thrown at the caller as some other error.
    /// </summary>
    private static T? Decode<T>(DbDataReader r, string table, Func<DbDataReader, T> read, out KeyAdminException? refusal, string? id = null)
        where T : class
    {
        try
        {
            refusal = null;
            return read(r);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or InvalidOperationException or OverflowException
                                      or KeyAdminException { Error: not KeyAdminError.StoreTampered })
        {
            refusal = Unreadable(table, id ?? IdOf(r));
            return null;
        }
    }

    /// <summary>The refusal of a row that holds a value KeyAdmin never writes (<see cref="Decode{T}(DbDataReader, string, Func{DbDataReader, T}, out KeyAdminException?, string?)"/>).</summary>
    private static KeyAdminException Unreadable(string table, string id) =>
        Tampered(table, id, "it holds a value KeyAdmin never writes (it was written outside KeyAdmin)");

    /// <summary>The row, or its refusal thrown: <see cref="Decode{T}(DbDataReader, string, Func{DbDataReader, T}, out KeyAdminException?, string?)"/>.</summary>
    private static T Decode<T>(DbDataReader r, string table, Func<DbDataReader, T> read, string? id = null)
        where T : class =>
        Decode(r, table, read, out var refusal, id) ?? throw refusal!;

    /// <summary>Column <paramref name="i"/> as text, or null: for values whoever writes the store may have left in any form.</summary>
    private static string? TextOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>The id of the row <paramref name="r"/> is on, as the first column holds it, whatever that holds.</summary>
    private static string IdOf(DbDataReader r) =>
        r.IsDBNull(0) ? "(none)" : r.GetValue(0) is string id ? id : "(not text)";

    public static KeyAdminException Tampered(string table, string id, string problem) => new(
        KeyAdminError.StoreTampered,
        $"The store's {table} row '{id}' fails its integrity check: {problem}. KeyAdmin refuses to use it (docs/SECURITY.md says what to do).",
        RowSeal.Ref(table, id));

    private static void Bind(DbCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            // As the SQL writes it: Microsoft.Data.Sqlite looks a bare name up under each prefix in turn, building a
            // string for each, on every execution; Npgsql accepts the prefix.
            parameter.ParameterName = ParameterNames.GetOrAdd(name, n => "@" + n);
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
