using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>
/// A store's open connections, each keeping its statements prepared. Microsoft.Data.Sqlite prepares every
/// command afresh, and preparing costs more than running: the key lookup (a 17-column join) takes 11 µs to
/// prepare and 2.5 µs to run, and the connection pragmas another 3.4 µs per open. An uncached verification
/// spent 28 of its 30 µs there (docs/PERFORMANCE.md). A connection is used by one transaction at a time.
/// </summary>
internal sealed class SqliteConnectionPool : IDisposable
{
    // Enough for the threads of a busy verifier on a few cores; beyond it connections are closed, not kept.
    private const int MaxIdle = 8;
    private readonly string connectionString;
    private readonly ConcurrentBag<PreparedConnection> idle = new();
    private volatile bool disposed;

    public SqliteConnectionPool(string connectionString) => this.connectionString = connectionString;

    public PreparedConnection Rent() => idle.TryTake(out var connection) ? connection : PreparedConnection.Open(connectionString);

    /// <summary>Takes back a connection whose transaction ended normally; one that failed is disposed instead.</summary>
    public void Return(PreparedConnection connection)
    {
        if (disposed || idle.Count >= MaxIdle || !connection.IsIdle)
        {
            connection.Dispose();
            return;
        }

        idle.Add(connection);
        if (disposed && idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}

/// <summary>One open connection with the store's pragmas set once, and its prepared commands by SQL text.</summary>
internal sealed class PreparedConnection : IDisposable
{
    // The store's statements are constants; the cap only guards against a caller that builds SQL per call.
    private const int MaxStatements = 64;
    private readonly Dictionary<string, SqliteCommand> prepared = new(StringComparer.Ordinal);

    private PreparedConnection(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>Open and outside any transaction: fit for the next one.</summary>
    public bool IsIdle => Connection.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) != 0;

    public static PreparedConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // Per connection, and nothing changes them later (PurgeDestroyed restores the busy timeout it lowers).
            command.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA busy_timeout = 30000;";
            command.ExecuteNonQuery();
            return new PreparedConnection(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The command for <paramref name="sql"/> in <paramref name="transaction"/>, with no parameters. When
    /// <paramref name="shared"/>, it is prepared once and kept by this connection: the caller must not dispose it,
    /// nor run it again while its reader is open. Otherwise the caller disposes it.
    /// </summary>
    public SqliteCommand Prepared(string sql, SqliteTransaction transaction, out bool shared)
    {
        shared = true;
        if (!prepared.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            if (prepared.Count < MaxStatements)
            {
                prepared[sql] = command;
            }
            else
            {
                shared = false;
            }
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    public void Dispose()
    {
        foreach (var command in prepared.Values)
        {
            command.Dispose();
        }

        prepared.Clear();
        Connection.Dispose();
    }
}
