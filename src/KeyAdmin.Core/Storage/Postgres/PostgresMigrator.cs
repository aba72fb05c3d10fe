using System.Globalization;
using KeyAdmin.Core.Errors;
using Npgsql;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// Brings the store's schema to the version this module knows, in one transaction under an advisory lock: two
/// processes that open a fresh database at once migrate it once, and a failed migration leaves nothing behind.
/// </summary>
internal static class PostgresMigrator
{
    /// <summary>The schema version of the store (0 for none), refusing one it must not touch; writes nothing.</summary>
    public static long Inspect(NpgsqlDataSource dataSource, string location)
    {
        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        return CheckKnown(connection, transaction, location);
    }

    /// <summary>
    /// Migrates to the current schema; a migration that introduces row seals seals the existing rows in the same
    /// transaction under <paramref name="integrity"/>.
    /// </summary>
    public static void Migrate(NpgsqlDataSource dataSource, string location, StoreIntegrity integrity)
    {
        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", PostgresStore.MigrationLockKey));

        var version = (int)CheckKnown(connection, transaction, location);
        if (version == PostgresSchema.CurrentVersion)
        {
            transaction.Commit();
            return;
        }

        if (version == 0 && !SchemaExists(connection, transaction))
        {
            // Created only when missing: CREATE SCHEMA IF NOT EXISTS would still need CREATE on the database, which a
            // role given a schema prepared by its DBA does not have.
            Execute(connection, transaction, $"CREATE SCHEMA {PostgresSchema.Name}");
        }

        for (var next = version; next < PostgresSchema.CurrentVersion; next++)
        {
            Execute(connection, transaction, PostgresSchema.Migrations[next]);
        }

        if (version > 0 && version < StoreSchema.SealedSince)
        {
            // Under the write lock as well: no writer may change a row between its sealing and the commit.
            Execute(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", PostgresStore.WriteLockKey));
            var session = new Sql.StoreSession(connection, transaction, new Sql.FreshCommands(connection), PostgresDialect.Instance, integrity);
            session.SealExistingRows(version);
            session.Complete();
        }

        Execute(
            connection,
            transaction,
            $"INSERT INTO {PostgresSchema.MetaTable} (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            ("name", PostgresSchema.VersionKey),
            ("value", PostgresSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture)));
        transaction.Commit();
    }

    /// <summary>
    /// The schema version of the store; 0 for a database without one. Refuses a KeyAdmin schema that holds tables
    /// of someone else, or one written by a newer KeyAdmin, before anything is written.
    /// </summary>
    private static long CheckKnown(NpgsqlConnection connection, NpgsqlTransaction transaction, string location)
    {
        // From the catalog, which any role may read, rather than to_regclass, which needs USAGE on the schema.
        var hasMeta = Scalar(
            connection,
            transaction,
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relname = @table)",
            ("schema", PostgresSchema.Name),
            ("table", PostgresSchema.MetaTable)) is true;
        if (!hasMeta)
        {
            var tables = Convert.ToInt64(
                Scalar(connection, transaction, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema", ("schema", PostgresSchema.Name)),
                CultureInfo.InvariantCulture);
            if (tables > 0)
            {
                throw new KeyAdminException(
                    KeyAdminError.StoreCorrupt,
                    $"The schema '{PostgresSchema.Name}' of the store '{location}' holds tables of another application, not a KeyAdmin store.",
                    location);
            }

            return 0;
        }

        var text = Scalar(connection, transaction, $"SELECT value FROM {PostgresSchema.MetaTable} WHERE name = @name", ("name", PostgresSchema.VersionKey)) as string;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new KeyAdminException(KeyAdminError.StoreCorrupt, $"The store '{location}' records no readable schema version.", location);
        }

        if (version > PostgresSchema.CurrentVersion)
        {
            throw new KeyAdminException(
                KeyAdminError.StoreSchemaTooNew,
                $"The store '{location}' has schema version {version}, written by a newer KeyAdmin; this module knows version {PostgresSchema.CurrentVersion}. Update the module.",
                location);
        }

        return version;
    }

    private static bool SchemaExists(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        Scalar(connection, transaction, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", ("schema", PostgresSchema.Name)) is true;

    private static object? Scalar(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteScalar();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
