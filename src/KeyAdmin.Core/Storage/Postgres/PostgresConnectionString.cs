using System.Globalization;
using System.Text.RegularExpressions;
using KeyAdmin.Core.Errors;
using Npgsql;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// A PostgreSQL connection string as a user gives it, in Npgsql's <c>Host=…;Database=…</c> form or as a
/// <c>postgresql://user:password@host:port/database?sslmode=require</c> URI. It holds a password: only
/// <see cref="Location"/> (host, port, database, user) is ever shown, in errors, targets or Get-KeyAdminStore.
/// </summary>
public sealed partial class PostgresConnectionString
{
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslrootcert"] = "Root Certificate",
        ["sslpassword"] = "SSL Password",
        ["options"] = "Options",
    };

    private PostgresConnectionString(NpgsqlConnectionStringBuilder builder)
    {
        Builder = builder;
        var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
        var user = string.IsNullOrEmpty(builder.Username) ? Environment.UserName : builder.Username;
        var database = string.IsNullOrEmpty(builder.Database) ? user : builder.Database;
        Location = string.Create(CultureInfo.InvariantCulture, $"postgresql://{user}@{host}:{builder.Port}/{database}");
    }

    /// <summary>Where the store is, without the password: <c>postgresql://user@host:port/database</c>.</summary>
    public string Location { get; }

    /// <summary>The parsed settings (with the password); for the engine only.</summary>
    internal NpgsqlConnectionStringBuilder Builder { get; }

    /// <summary>True when <paramref name="value"/> looks like a PostgreSQL connection string rather than a file path.</summary>
    public static bool Recognizes(string? value) =>
        value is not null && (value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
                              value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
                              HostKeyword().IsMatch(value));

    /// <summary>Parses a connection string; a malformed one is refused without echoing it (it may hold a password).</summary>
    public static PostgresConnectionString Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = value.Contains("://", StringComparison.Ordinal) ? FromUri(value) : new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException or KeyNotFoundException or InvalidOperationException)
        {
            // Neither the parser's message nor its exception goes along: a password with an unquoted ';' splits into
            // "keywords" that such a message would quote.
            throw Invalid(
                "check its keywords (Host, Port, Database, Username, Password, SSL Mode …), quote values that contain ';' or '=', " +
                "and percent-encode them in a postgresql:// URI.");
        }

        return string.IsNullOrWhiteSpace(builder.Host)
            ? throw Invalid("it names no host (Host=… or postgresql://host/…).")
            : new PostgresConnectionString(builder);
    }

    public override string ToString() => Location;

    private static KeyAdminException Invalid(string why) =>
        new(KeyAdminError.StoreUnavailable, "The PostgreSQL connection string is not valid: " + why, "(connection string)");

    private static NpgsqlConnectionStringBuilder FromUri(string value)
    {
        var uri = new Uri(value, UriKind.Absolute);
        if (uri.Scheme is not ("postgresql" or "postgres"))
        {
            throw new ArgumentException($"The scheme '{uri.Scheme}' is not postgresql://.");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var setting = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (!UriParameters.TryGetValue(name, out var keyword))
            {
                throw new ArgumentException($"The URI parameter '{name}' is not supported; use the Host=…;Database=… form for it.");
            }

            builder[keyword] = setting;
        }

        return builder;
    }

    [GeneratedRegex(@"(^|;)\s*(Host|Server)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostKeyword();
}
