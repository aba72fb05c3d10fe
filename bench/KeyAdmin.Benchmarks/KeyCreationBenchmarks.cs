using System.Globalization;
using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;
using Microsoft.Data.Sqlite;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// Durable key creation through <c>KeyService.Create</c> (pre-checks, the 2FA gate, a new secret sealed with
/// AES-256-GCM, the key row, and the chained audit record, all in one BEGIN IMMEDIATE transaction committed
/// with synchronous=FULL) against a bare durable single-row INSERT in the same engine with the same pragmas.
/// </summary>
/// <remarks>
/// Second factor: one <see cref="TwoFactorProof"/> per account, reused within its lifetime, exactly as one
/// <c>New-ApiKey -Code</c> confirms a whole pipeline of creations. The first creation of each account spends
/// the code (TOTP check and durable step advance); the others are confirmed by the standing confirmation,
/// which the gate still checks inside the transaction. The fixed clock keeps the confirmation alive. This keeps
/// the TOTP arithmetic (measured on its own by <see cref="TotpBenchmarks"/>) out of a figure that is about the
/// write path. An account holds at most 1,000 keys (the policy's ceiling), so every 1,000 creations a new
/// account is enrolled inside the measured loop: about 3 ms per 1,000 creations, under 1 % of the figure.
/// </remarks>
[MemoryDiagnoser]
public class KeyCreationBenchmarks
{
    private const int KeysPerAccount = 1000;
    private BenchWorld world = null!;
    private BenchAccount account = null!;
    private TwoFactorProof proof = null!;
    private int accounts;
    private int created;
    private SqliteConnection bare = null!;
    private SqliteCommand bareInsert = null!;
    private byte[] payload = null!;
    private long bareRows;

    [GlobalSetup]
    public void Setup()
    {
        world = BenchWorld.Create();
        world.RaiseKeyLimit(KeysPerAccount);
        NextAccount();

        // The baseline's own file in the same folder: same engine, same journal mode and sync level as the store.
        bare = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(world.Folder, "bare.db"), Pooling = false }.ToString());
        bare.Open();
        using (var setup = bare.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE bare_keys (key_id TEXT PRIMARY KEY, secret BLOB NOT NULL);";
            setup.ExecuteNonQuery();
        }

        bareInsert = bare.CreateCommand();
        bareInsert.CommandText = "INSERT INTO bare_keys (key_id, secret) VALUES ($id, $secret)";
        bareInsert.Parameters.Add("$id", SqliteType.Text);
        bareInsert.Parameters.Add("$secret", SqliteType.Blob);
        payload = new byte[82]; // the size of a sealed secret: version, nonce, tag, 53-character secret.
        Random.Shared.NextBytes(payload);
    }

    [Benchmark(Baseline = true, Description = "durable single-row INSERT (bare)")]
    public long BareDurableInsert()
    {
        using var transaction = bare.BeginTransaction(deferred: false);
        bareInsert.Transaction = transaction;
        bareInsert.Parameters[0].Value = "kak_" + (++bareRows).ToString(CultureInfo.InvariantCulture);
        bareInsert.Parameters[1].Value = payload;
        bareInsert.ExecuteNonQuery();
        transaction.Commit();
        return bareRows;
    }

    [Benchmark(Description = "KeyService.Create (2FA, seal, audit), durable")]
    public ApiKey CreateKey()
    {
        if (created == KeysPerAccount)
        {
            NextAccount();
        }

        created++;
        var issued = world.Authority.Keys.Create(
            new NewKeyRequest
            {
                Account = account.Name,
                Name = "bot-" + created.ToString(CultureInfo.InvariantCulture),
                Permissions = ApiKeyPermission.Read | ApiKeyPermission.Trade,
                IpAddresses = ["203.0.113.7"],
                Memo = "Bot Trading – Server A",
                ExpiresInDays = 90,
            },
            proof);
        issued.Secret.Dispose();
        return issued.Key;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        bareInsert.Dispose();
        bare.Dispose();
        world.Dispose();
    }

    private void NextAccount()
    {
        account = world.NewAccount("desk" + (++accounts).ToString(CultureInfo.InvariantCulture));
        proof = TwoFactorProof.FromCode(account.NextCode());
        created = 0;
    }
}
