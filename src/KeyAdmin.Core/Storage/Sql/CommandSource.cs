using System.Data.Common;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>Where a session's commands come from: made afresh, or kept prepared by the connection.</summary>
internal interface ICommandSource
{
    /// <summary>
    /// The command for <paramref name="sql"/> in <paramref name="transaction"/>, with no parameters. When
    /// <paramref name="kept"/>, it belongs to the source (prepared once, run again by later transactions on the same
    /// connection): the caller must not dispose it, nor run it again while its reader is open. Otherwise the caller
    /// disposes it.
    /// </summary>
    DbCommand Command(string sql, DbTransaction? transaction, out bool kept);
}

/// <summary>A new command every time, for engines whose provider prepares statements itself.</summary>
internal sealed class FreshCommands : ICommandSource
{
    private readonly DbConnection connection;

    public FreshCommands(DbConnection connection) => this.connection = connection;

    public DbCommand Command(string sql, DbTransaction? transaction, out bool kept)
    {
        kept = false;
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}

/// <summary>
/// The commands of one open connection, each prepared the first time its SQL is run and kept for as long as the
/// connection lives. A connection is used by one transaction at a time, so neither is the cache shared.
/// </summary>
internal sealed class PreparedCommands : ICommandSource, IDisposable
{
    // The store's statements are constants; the cap only guards against a caller that builds SQL per call.
    private const int MaxStatements = 64;
    private readonly DbConnection connection;
    private readonly Dictionary<string, DbCommand> prepared = new(StringComparer.Ordinal);

    public PreparedCommands(DbConnection connection) => this.connection = connection;

    public DbCommand Command(string sql, DbTransaction? transaction, out bool kept)
    {
        kept = true;
        if (!prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            if (prepared.Count < MaxStatements)
            {
                prepared[sql] = command;
            }
            else
            {
                kept = false;
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
    }
}
