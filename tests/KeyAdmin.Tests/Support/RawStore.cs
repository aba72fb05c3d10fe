using System.Runtime.Loader;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// Writes to a store's database behind the module's back, as another program would (tamper tests), through the
/// SQLite the module itself loaded into its private context: this project references neither.
/// </summary>
public static class RawStore
{
    public static int Execute(string storePath, string sql)
    {
        var sqlite = AssemblyLoadContext.All
            .Where(c => c.Name == "KeyAdmin.Dependencies")
            .SelectMany(c => c.Assemblies)
            .Single(a => a.GetName().Name == "Microsoft.Data.Sqlite");
        var connectionType = sqlite.GetType("Microsoft.Data.Sqlite.SqliteConnection", throwOnError: true)!;
        using var connection = (System.Data.Common.DbConnection)Activator.CreateInstance(connectionType, $"Data Source={storePath};Pooling=False")!;
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
