namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// The store's schema (<see cref="StoreSchema"/>) in PostgreSQL's DDL. Everything lives in a schema of its own,
/// so that KeyAdmin can share a database with other applications without touching their tables; the version is
/// a row of <c>keyadmin_meta</c>, whose presence marks the schema as KeyAdmin's.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The PostgreSQL schema (namespace) that holds the store's tables.</summary>
    public const string Name = "keyadmin";

    public const string MetaTable = "keyadmin_meta";

    public const string VersionKey = "schema_version";

    public static readonly IReadOnlyList<string> Migrations = StoreSchema.Render(PostgresDialect.Instance);

    public static int CurrentVersion => Migrations.Count;
}
