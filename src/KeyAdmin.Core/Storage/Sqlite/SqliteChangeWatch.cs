using KeyAdmin.Core.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>
/// SQLite's change watch: <c>PRAGMA data_version</c> on a connection of its own, every poll interval. It changes
/// when any other connection, of any process, commits to the file; reading it touches only the write-ahead log's
/// shared index in memory, so looking every few milliseconds costs next to nothing.
/// </summary>
internal sealed class SqliteChangeWatch : ChangeWatch
{
    private readonly string connectionString;
    private readonly TimeSpan pollInterval;
    private SqliteConnection? connection;
    private SqliteCommand? dataVersion;
    private long seen = -1;

    public SqliteChangeWatch(SqlStore store, string connectionString, TimeSpan pollInterval, Action<IReadOnlyCollection<string>> onChanged)
        : base(store, onChanged)
    {
        this.connectionString = connectionString;
        this.pollInterval = pollInterval;
    }

    private protected override bool WaitForCommit()
    {
        if (connection is null)
        {
            connection = new SqliteConnection(connectionString);
            connection.Open();
            dataVersion = connection.CreateCommand();
            dataVersion.CommandText = "PRAGMA data_version";
            seen = -1;
        }

        Thread.Sleep(pollInterval);
        var now = (long)dataVersion!.ExecuteScalar()!;
        var changed = seen >= 0 && now != seen;
        // A new connection's first value says nothing: whatever came before it is read from the index anyway.
        var first = seen < 0;
        seen = now;
        return changed || first;
    }

    private protected override void Close()
    {
        dataVersion?.Dispose();
        connection?.Dispose();
        dataVersion = null;
        connection = null;
    }
}
