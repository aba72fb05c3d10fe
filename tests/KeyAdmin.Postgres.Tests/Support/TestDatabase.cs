using KeyAdmin.TestSupport;
using Npgsql;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>A fresh database per test in the run's one cluster: cheap, and no test sees another's rows.</summary>
public static class TestDatabase
{
    /// <summary>Creates an empty database owned by the test role; returns the connection string a user would pass.</summary>
    public static string Create() => PostgresCluster.Shared.ConnectionStringFor(CreateEmpty());

    /// <summary>Creates an empty database; returns its name.</summary>
    public static string CreateEmpty()
    {
        var cluster = PostgresCluster.Shared;
        var name = "ka_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(cluster.AdminConnectionString());
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER {PostgresCluster.Role}", connection);
        command.ExecuteNonQuery();
        return name;
    }

    /// <summary>The database a store's connection string names.</summary>
    public static string NameOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;
}
