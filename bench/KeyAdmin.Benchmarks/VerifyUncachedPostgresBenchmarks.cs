using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using KeyAdmin.TestSupport;
using Npgsql;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// <see cref="VerifyUncachedBenchmarks"/> on the team store: every request reads the key's state from
/// PostgreSQL, against one primary-key SELECT of the key's row in the same database over the same kind of
/// connection (TCP to 127.0.0.1, pooled by Npgsql), plus the same HMAC. Goal: ratio ≤ 2.
/// </summary>
/// <remarks>
/// The server is the throw-away cluster the PostgreSQL tests start (tests/Shared/PostgresCluster.cs: initdb into a
/// temp folder, a server on a free port of 127.0.0.1, stopped when this process ends); it needs the server
/// binaries (Debian's postgresql package, or $PG_BIN).
/// </remarks>
[MemoryDiagnoser]
public class VerifyUncachedPostgresBenchmarks
{
    private const string BareSelect = "SELECT status, permissions, ip_binding, expires_at FROM keyadmin.api_keys WHERE key_id = $1";
    private BenchWorld world = null!;
    private RequestVerifier verifier = null!;
    private SignedRequest request = null!;
    private byte[] secret = null!;
    private byte[] message = null!;
    private string keyId = null!;
    private NpgsqlDataSource bare = null!;
    private NpgsqlConnection held = null!;
    private NpgsqlCommand heldSelect = null!;
    private readonly byte[] mac = new byte[RequestSigner.SignatureBytes];

    [GlobalSetup]
    public void Setup()
    {
        var cluster = PostgresCluster.Shared;
        var connectionString = cluster.ConnectionStringFor(cluster.CreateDatabase());
        world = BenchWorld.Create(connectionString);
        var account = world.NewAccount("desk");
        (var key, secret) = world.NewKey(account, "bot-a", ApiKeyPermission.Read | ApiKeyPermission.Trade, "203.0.113.0/24", "2001:db8::/48");
        for (var i = 0; i < 4; i++)
        {
            world.NewKey(account, $"bot-{i}", ApiKeyPermission.Read);
        }

        keyId = key.KeyId;
        request = world.Sign(key, secret, "GET", "/api/v1/accounts?currency=USDT&type=trade", string.Empty, "203.0.113.7", ApiKeyPermission.Read);
        message = BenchWorld.CanonicalMessage(request);
        verifier = new RequestVerifier(world.Store, world.Clock, new VerifierOptions { RevalidateAfter = TimeSpan.Zero });
        if (!verifier.Verify(request).Accepted)
        {
            throw new InvalidOperationException("The benchmark's request is refused: the set-up is wrong.");
        }

        // Its own pool, same server, same database, same role.
        bare = NpgsqlDataSource.Create(connectionString);
        held = bare.OpenConnection();
        heldSelect = new NpgsqlCommand(BareSelect, held);
        heldSelect.Parameters.AddWithValue(keyId);
        heldSelect.Prepare();
    }

    [Benchmark(Baseline = true, Description = "PK SELECT (pooled connection) + HMAC (bare)")]
    public byte BareSelectAndHmac()
    {
        using (var connection = bare.OpenConnection())
        using (var command = new NpgsqlCommand(BareSelect, connection))
        {
            command.Parameters.AddWithValue(keyId);
            ReadRow(command);
        }

        HMACSHA256.HashData(secret, message, mac);
        return mac[0];
    }

    [Benchmark(Description = "PK SELECT (held connection, prepared) + HMAC")]
    public byte HeldSelectAndHmac()
    {
        ReadRow(heldSelect);
        HMACSHA256.HashData(secret, message, mac);
        return mac[0];
    }

    [Benchmark(Description = "RequestVerifier.Verify, uncached (PostgreSQL)")]
    public VerificationResult VerifyUncached() => verifier.Verify(request);

    [GlobalCleanup]
    public void Cleanup()
    {
        heldSelect.Dispose();
        held.Dispose();
        bare.Dispose();
        verifier.Dispose();
        world.Dispose();
    }

    private static void ReadRow(NpgsqlCommand command)
    {
        using var reader = command.ExecuteReader();
        if (!reader.Read() || reader.GetString(0) != nameof(ApiKeyStatus.Enabled) || reader.GetInt32(1) == 0)
        {
            throw new InvalidOperationException("The key's row is missing.");
        }

        _ = reader.GetString(2);
        _ = reader.IsDBNull(3) ? 0 : reader.GetInt64(3);
    }
}
