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
}
