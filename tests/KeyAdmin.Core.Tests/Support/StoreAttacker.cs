using System.Net;
using System.Text;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>
/// Whoever writes the database without the key-encryption key, as the attack suites play them: a fresh store (a
/// <see cref="Harness"/>) with an account, "desk", and a verifier that reads the store on every request; raw SQL on it
/// with its triggers out of the way (dropped in SQLite; on PostgreSQL run as the cluster's superuser with
/// <c>session_replication_role = replica</c>); and the requests a key holder signs.
/// </summary>
public sealed class StoreAttacker : IDisposable
{
#if POSTGRES
    public const string Meta = "keyadmin_meta";
#else
    public const string Meta = "meta";
#endif
    public const string Caller = "203.0.113.7";

#if POSTGRES
    public const bool IsPostgres = true;
#else
    public const bool IsPostgres = false;
#endif
    private readonly Harness h = new();

    public StoreAttacker()
    {
        Account = h.NewAccount();
        // Revalidation on every request: each verification reads the store, as the first one after a change does.
        Verifier = new RequestVerifier(h.Store, h.Clock, new VerifierOptions { RevalidateAfter = TimeSpan.Zero, FlushInterval = TimeSpan.FromHours(1) });
    }

    public Harness Harness => h;

    /// <summary>The account "desk", whose keys <see cref="NewKey"/> creates.</summary>
    public TestAccount Account { get; }

    public RequestVerifier Verifier { get; }

    public void Dispose()
    {
        Verifier.Dispose();
        h.Dispose();
    }

    /// <summary>Raw SQL as the attacker runs it: with the tables' triggers out of the way first.</summary>
    public void Attack(string sql) => Attack(h, sql);

#if !POSTGRES
    /// <summary>The attack, the key table's triggers left dropped: a store made to look like one of a schema before them.</summary>
    public void AttackLeavingTheKeyTriggersDropped(string sql)
    {
        DropKeyTriggers(h);
        RawDb.Execute(h.StorePath, sql);
    }
#endif

    /// <summary>The same on the store of another harness (a suite with a fixture of its own).</summary>
    public static void Attack(Harness on, string sql)
    {
#if POSTGRES
        RawDb.Execute(on.StorePath, $"SET session_replication_role = replica; {sql}; SET session_replication_role = DEFAULT");
#else
        WithoutKeyTriggers(on, () => RawDb.Execute(on.StorePath, sql));
#endif
    }

#if !POSTGRES
    /// <summary>
    /// Runs <paramref name="act"/> with the key table's triggers (which refuse what most attacks write) dropped, then
    /// puts back those it did not: a careful attacker leaves them as they were, so that the catalogue KeyAdmin checks
    /// (StoreSession.ScanSchema) shows only what the attack itself changed.
    /// </summary>
    public void WithoutKeyTriggers(Action act) => WithoutKeyTriggers(h, act);

    private static void WithoutKeyTriggers(Harness on, Action act)
    {
        var triggers = new List<(string Name, string Sql)>();
        using (var connection = RawDb.Open(on.StorePath))
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'api_keys'";
            using var rows = read.ExecuteReader();
            while (rows.Read())
            {
                triggers.Add((rows.GetString(0), rows.GetString(1)));
            }
        }

        DropKeyTriggers(on);
        act();
        foreach (var (name, sql) in triggers)
        {
            if (RawDb.Scalar(on.StorePath, $"SELECT count(*) FROM sqlite_schema WHERE name = '{name}'") == 0)
            {
                try
                {
                    RawDb.Execute(on.StorePath, sql);
                }
                catch (Microsoft.Data.Sqlite.SqliteException)
                {
                    // The attack changed the table so that the trigger no longer fits it (a column dropped): it stays out.
                }
            }
        }
    }
#endif

    public void DropKeyTriggers() => DropKeyTriggers(h);

    private static void DropKeyTriggers(Harness on)
    {
#if !POSTGRES
        RawDb.Execute(on.StorePath, "DROP TRIGGER IF EXISTS api_keys_permissions_immutable; DROP TRIGGER IF EXISTS api_keys_deleted_final; DROP TRIGGER IF EXISTS api_keys_key_versions_immutable;");
#endif
    }

    /// <summary>A key of <see cref="Account"/>, with its secret as the key holder has it.</summary>
    public (ApiKey Key, byte[] Secret) NewKey(string name, ApiKeyPermission permissions, string? binding = null, int? expiresInDays = null)
    {
        var issued = h.CreateKey(Account, name, r => r with
        {
            Permissions = permissions,
            IpAddresses = binding is null ? Array.Empty<string>() : new[] { binding },
            AllowUnboundSensitive = true,
            ExpiresInDays = expiresInDays,
        });
        return (issued.Key, Encoding.ASCII.GetBytes(Harness.Reveal(issued.Secret)));
    }

    /// <summary>
    /// Disables <paramref name="key"/>, then puts its row back as it was while enabled (a copy that was valid once);
    /// returns the sequence of the disable's record, whose index entry records the later version.
    /// </summary>
    public long DisableAndPutBackTheEnabledRow(ApiKey key)
    {
        var enabled = RawDb.Row(h.StorePath, "api_keys", $"key_id = '{key.KeyId}'");
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        var disabled = h.Audit().Single(r => r.Action == "ApiKey.Disable" && r.KeyId == key.KeyId).Sequence;
#if POSTGRES
        DropKeyTriggers();
        RawDb.PutBack(h.StorePath, "api_keys", enabled, $"key_id = '{key.KeyId}'");
#else
        WithoutKeyTriggers(h, () => RawDb.PutBack(h.StorePath, "api_keys", enabled, $"key_id = '{key.KeyId}'"));
#endif
        return disabled;
    }

    /// <summary>A signed POST /api/v1/orders from <paramref name="caller"/>, timestamped at the harness's time or at <paramref name="at"/>.</summary>
    public SignedRequest Sign(ApiKey key, byte[] secret, ApiKeyPermission permission, string caller = Caller, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? h.Now).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = Encoding.UTF8.GetBytes("{}");
        return new SignedRequest
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Signature = RequestSigner.Sign(secret, timestamp, "POST", "/api/v1/orders", body),
            Method = "POST",
            PathAndQuery = "/api/v1/orders",
            ContentType = "application/json",
            Body = body,
            CallerAddress = IPAddress.Parse(caller),
            RequiredPermission = permission,
        };
    }

    public List<ComplianceFinding> Review() => h.Authority.Compliance.Review(new ComplianceOptions()).ToList();
}
