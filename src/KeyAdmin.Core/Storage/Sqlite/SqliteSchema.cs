using Microsoft.Data.Sqlite;

namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>
/// The store's schema (<see cref="StoreSchema"/>) in SQLite's DDL. The version is SQLite's user_version;
/// application_id marks the file as a KeyAdmin store so that another application's database is refused rather
/// than altered.
/// </summary>
internal static class SqliteSchema
{
    public const int ApplicationId = 0x4B41444D; // "KADM"

    public static readonly IReadOnlyList<string> Migrations = StoreSchema.Render(SqliteDialect.Instance);

    public static int CurrentVersion => Migrations.Count;

    /// <summary>
    /// What sqlite_schema holds in a store of the current version, however it got there (created, or migrated step by
    /// step, the same statements in the same order): each table, index and trigger the migrations make, with its
    /// table and its text, by name. Read once from the migrations run on an empty in-memory database.
    /// </summary>
    public static IReadOnlyDictionary<string, (string Type, string Table, string? Sql)> Objects => objects.Value;

    private static readonly Lazy<IReadOnlyDictionary<string, (string Type, string Table, string? Sql)>> objects = new(() =>
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        foreach (var migration in Migrations)
        {
            using var step = connection.CreateCommand();
            step.CommandText = migration;
            step.ExecuteNonQuery();
        }

        using var read = connection.CreateCommand();
        read.CommandText = "SELECT name, type, tbl_name, sql FROM sqlite_schema";
        using var rows = read.ExecuteReader();
        var found = new Dictionary<string, (string, string, string?)>(StringComparer.Ordinal);
        while (rows.Read())
        {
            found[rows.GetString(0)] = (rows.GetString(1), rows.GetString(2), rows.IsDBNull(3) ? null : rows.GetString(3));
        }

        return found;
    });
}
