using System.Collections.Concurrent;
using KeyAdmin.Core.Storage.Sql;
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

/// <summary>One open connection with the store's pragmas set once, and its prepared commands.</summary>
internal sealed class PreparedConnection : IDisposable
{
    private PreparedConnection(SqliteConnection connection)
    {
        Connection = connection;
        Commands = new PreparedCommands(connection);
    }

    public SqliteConnection Connection { get; }

    public PreparedCommands Commands { get; }

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

    public void Dispose()
    {
        Commands.Dispose();
        Connection.Dispose();
    }
}
