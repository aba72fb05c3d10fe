using KeyAdmin.Core.Storage.Sql;
using Npgsql;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// PostgreSQL's change watch: <c>LISTEN keyadmin_changes</c> on a connection of its own. Every transaction that
/// changes rows sends <c>pg_notify</c>, which the server delivers when, and only if, it commits; the watch then reads
/// the row index. After the connection is opened again, the index is read once whatever came, for what was committed
/// while nobody listened.
/// </summary>
internal sealed class PostgresChangeWatch : ChangeWatch
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(250);
    private readonly NpgsqlDataSource dataSource;
    private NpgsqlConnection? connection;
    private int notified;

    public PostgresChangeWatch(SqlStore store, NpgsqlDataSource dataSource, Action<IReadOnlyCollection<string>> onChanged)
        : base(store, onChanged)
    {
        this.dataSource = dataSource;
    }

    private protected override bool WaitForCommit()
    {
        if (connection is null)
        {
            connection = dataSource.OpenConnection();
            connection.Notification += (_, _) => Volatile.Write(ref notified, 1);
            using var listen = new NpgsqlCommand($"LISTEN {PostgresDialect.ChangeChannel}", connection);
            listen.ExecuteNonQuery();
            return true;
        }

        // Taken, not cleared before the wait: a notification that Npgsql handled outside Wait (its keepalive, when the
        // connection string sets one, reads the connection too) is handed on now instead of lost until the next one.
        if (Interlocked.Exchange(ref notified, 0) == 1)
        {
            return true;
        }

        connection.Wait(WaitSlice);
        return Interlocked.Exchange(ref notified, 0) == 1;
    }

    private protected override void Close()
    {
        connection?.Dispose();
        connection = null;
    }
}
