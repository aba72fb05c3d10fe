using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using Microsoft.Data.Sqlite;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// The verifier when every request reads the key's state from the store (RevalidateAfter = 0: what each
/// request costs right after another process changed the key, or on a verifier that trusts no cache), against
/// what any verifier must do: one primary-key SELECT of the key's row in the same SQLite file, plus the same
/// HMAC. Goal: ratio ≤ 2.
/// </summary>
/// <remarks>
/// The baseline opens a pooled connection per request, as ADO.NET code does (and as the store does). The extra
/// row "held connection" keeps one connection and one prepared command for the benchmark's life: the floor that
/// no store shared by many threads can reach, shown so that the ratio is not read without it.
/// </remarks>
[MemoryDiagnoser]
public class VerifyUncachedBenchmarks
{
    private const string BareSelect = "SELECT status, permissions, ip_binding, expires_at FROM api_keys WHERE key_id = $id";
    private BenchWorld world = null!;
    private RequestVerifier verifier = null!;
    private SignedRequest request = null!;
    private byte[] secret = null!;
    private byte[] message = null!;
    private string keyId = null!;
    private string bareConnectionString = null!;
    private SqliteConnection held = null!;
    private SqliteCommand heldSelect = null!;
    private readonly byte[] mac = new byte[RequestSigner.SignatureBytes];

    [GlobalSetup]
    public void Setup()
    {
        world = BenchWorld.Create();
        var account = world.NewAccount("desk");
        (var key, secret) = world.NewKey(account, "bot-a", ApiKeyPermission.Read | ApiKeyPermission.Trade, "203.0.113.0/24", "2001:db8::/48");
        // Neighbours, so that the lookup is an index search rather than a one-row table.
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

        // Its own pool (the connection string differs from the store's), same file, same engine.
        bareConnectionString = new SqliteConnectionStringBuilder { DataSource = world.StorePath, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        held = new SqliteConnection(bareConnectionString);
        held.Open();
        heldSelect = held.CreateCommand();
        heldSelect.CommandText = BareSelect;
        heldSelect.Parameters.AddWithValue("$id", keyId);
        heldSelect.Prepare();
    }

    [Benchmark(Baseline = true, Description = "PK SELECT (pooled connection) + HMAC (bare)")]
    public byte BareSelectAndHmac()
    {
        using (var connection = new SqliteConnection(bareConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = BareSelect;
            command.Parameters.AddWithValue("$id", keyId);
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

    [Benchmark(Description = "RequestVerifier.Verify, uncached (SQLite)")]
    public VerificationResult VerifyUncached() => verifier.Verify(request);

    [GlobalCleanup]
    public void Cleanup()
    {
        heldSelect.Dispose();
        held.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(bareConnectionString));
        verifier.Dispose();
        world.Dispose();
    }

    private static void ReadRow(SqliteCommand command)
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
