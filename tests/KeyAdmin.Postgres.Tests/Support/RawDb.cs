using System.Security.Cryptography;
using KeyAdmin.TestSupport;
using Npgsql;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>
/// The store's database read and written directly, as another program (or an attacker with the database's
/// superuser) would: the PostgreSQL twin of the SQLite suite's RawDb, with the same calls. "path" is the
/// connection string of the test's database; the SQL runs as the cluster's superuser in KeyAdmin's schema.
/// </summary>
public static class RawDb
{
    public static NpgsqlConnection Open(string connectionString)
    {
        var database = TestDatabase.NameOf(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(PostgresCluster.Shared.AdminConnectionString(database)) { SearchPath = "keyadmin" };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        return connection;
    }

    public static int Execute(string connectionString, string sql)
    {
        using var connection = Open(connectionString);
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteNonQuery();
    }

    public static long Scalar(string connectionString, string sql)
    {
        using var connection = Open(connectionString);
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string? Text(string connectionString, string sql)
    {
        using var connection = Open(connectionString);
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Every column of the one row <paramref name="where"/> selects: a copy an attacker keeps to put back later.</summary>
    public static Dictionary<string, object?> Row(string connectionString, string table, string where)
    {
        using var connection = Open(connectionString);
        using var command = new NpgsqlCommand($"SELECT * FROM {table} WHERE {where}", connection);
        using var reader = command.ExecuteReader();
        Xunit.Assert.True(reader.Read(), $"no {table} row where {where}");
        return Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i));
    }

    /// <summary>
    /// Writes <paramref name="row"/> (from <see cref="Row"/>) over the row <paramref name="where"/> selects, or inserts
    /// it where that row is gone, with the table's triggers off, as its owner (or the superuser) can.
    /// </summary>
    public static void PutBack(string connectionString, string table, Dictionary<string, object?> row, string where)
    {
        using var connection = Open(connectionString);
        using (var off = new NpgsqlCommand($"ALTER TABLE {table} DISABLE TRIGGER ALL", connection))
        {
            off.ExecuteNonQuery();
        }

        using var update = new NpgsqlCommand($"UPDATE {table} SET {string.Join(", ", row.Keys.Select(k => $"{k} = @{k}"))} WHERE {where}", connection);
        using var insert = new NpgsqlCommand($"INSERT INTO {table} ({string.Join(", ", row.Keys)}) VALUES ({string.Join(", ", row.Keys.Select(k => "@" + k))})", connection);
        foreach (var (name, value) in row)
        {
            update.Parameters.AddWithValue(name, value ?? DBNull.Value);
            insert.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        if (update.ExecuteNonQuery() == 0)
        {
            insert.ExecuteNonQuery();
        }

        using var on = new NpgsqlCommand($"ALTER TABLE {table} ENABLE TRIGGER ALL", connection);
        on.ExecuteNonQuery();
    }

    /// <summary>Every row of <paramref name="table"/> as text (blobs as a hash), in key order, to prove a table unchanged.</summary>
    public static string Dump(string connectionString, string table)
    {
        using var connection = Open(connectionString);
        using var command = new NpgsqlCommand($"SELECT * FROM {table} ORDER BY 1", connection);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var cells = new List<string>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.GetValue(i);
                cells.Add(value switch
                {
                    byte[] blob => "blob:" + Convert.ToHexString(SHA256.HashData(blob))[..12],
                    DBNull => "null",
                    _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
                });
            }

            rows.Add(string.Join("|", cells));
        }

        return string.Join("\n", rows);
    }

    /// <summary>Every value of every table of the store, as bytes: what a copy of the database gives away.</summary>
    public static List<(string Table, byte[] Value)> AllValues(string connectionString)
    {
        using var connection = Open(connectionString);
        var tables = new List<string>();
        using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'keyadmin' ORDER BY 1", connection))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var values = new List<(string, byte[])>();
        foreach (var table in tables)
        {
            using var command = new NpgsqlCommand($"SELECT * FROM {table}", connection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    values.Add((table, reader.GetValue(i) switch
                    {
                        byte[] blob => blob,
                        DBNull => Array.Empty<byte>(),
                        var other => System.Text.Encoding.UTF8.GetBytes(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
                    }));
                }
            }
        }

        return values;
    }
}
