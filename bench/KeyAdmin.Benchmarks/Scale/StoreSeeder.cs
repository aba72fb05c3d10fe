using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sqlite;

namespace KeyAdmin.Benchmarks.Scale;

/// <summary>
/// Fills a new store with N keys quickly: through the store contract (<see cref="IStoreWriter.InsertKey"/>, each
/// secret really sealed), in transactions of <see cref="BatchSize"/> keys, over N/1000 accounts under a key limit
/// raised to the policy's ceiling of 1,000. Not N creations through the 2FA gate: the store's size is what is
/// measured afterwards, not how it got there.
/// </summary>
/// <remarks>
/// The keys look like a real store's, deterministically (a fixed seed): mixed permissions, most bound to an
/// address or range, ages spread over 400 days, some expiring, a tenth disabled, most used at some time; so that
/// Get-ApiKey formats real values and Test-ApiKeyCompliance finds a realistic mix of problems.
/// </remarks>
public static class StoreSeeder
{
    public const int KeysPerAccount = 1000;
    public const int BatchSize = 20_000;

    public sealed record Seeded(string StorePath, long Keys, int Accounts, TimeSpan Elapsed, long FileBytes, string SampleKeyId);

    public static Seeded Seed(string storePath, long keys, DateTimeOffset now, TextWriter? progress = null)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(storePath))!);
        using var store = SqliteStore.Open(storePath, new FileKeyEncryptionKeySource(StoreLocation.KeyFileFor(storePath)));
        var accountCount = (int)Math.Max(1, (keys + KeysPerAccount - 1) / KeysPerAccount);
        var accounts = new List<Account>(accountCount);
        store.Write(tx =>
        {
            tx.WritePolicy(tx.ReadPolicy() with { MaxKeysPerAccount = KeysPerAccount });
            for (var a = 0; a < accountCount; a++)
            {
                var account = new Account
                {
                    AccountId = Guid.NewGuid().ToString("N"),
                    Name = "acct" + (a + 1).ToString("D5", CultureInfo.InvariantCulture),
                    Email = $"acct{a + 1}@example.com",
                    CreatedAt = now.AddDays(-500),
                    CreatedBy = "seed@bench-host",
                };
                tx.InsertAccount(account);
                accounts.Add(account);
            }

            tx.Append(SeedRecord(now, $"Accounts={accountCount}"));
            return true;
        });

        var random = new Random(20300101);
        string? sample = null;
        for (long first = 0; first < keys; first += BatchSize)
        {
            var count = (int)Math.Min(BatchSize, keys - first);
            var batch = Enumerable.Range(0, count).Select(i => Shape(first + i, accounts[(int)((first + i) / KeysPerAccount)], now, random)).ToList();
            store.Write(tx =>
            {
                foreach (var key in batch)
                {
                    tx.InsertKey(key, SealedSecret(store.Secrets, key.KeyId), sealedPassphrase: null);
                    if (key.StoredStatus == ApiKeyStatus.Disabled)
                    {
                        tx.UpdateKey(key);
                    }
                }

                tx.RecordUsage(batch.Where(k => k.LastUsedAt is not null).Select(k => new KeyUsage(k.KeyId, k.LastUsedAt!.Value, k.LastUsedAddress!)).ToList());
                // Every transaction that changes sealed rows carries its audit record: one per batch here.
                tx.Append(SeedRecord(now, $"Keys={batch.Count}"));
                return true;
            });
            sample ??= batch[0].KeyId;
            progress?.Write($"\r  seeded {first + count:N0} of {keys:N0} keys");
        }

        progress?.WriteLine();
        store.PurgeDestroyed(); // checkpoints the WAL into the file, so that measurements start from a settled store.
        return new Seeded(storePath, keys, accountCount, watch.Elapsed, new FileInfo(storePath).Length, sample!);
    }

    private static Core.Audit.AuditEntry SeedRecord(DateTimeOffset now, string detail) => new()
    {
        At = now,
        Actor = "seed",
        ActorHost = "bench-host",
        Action = "Bench.Seed",
        Outcome = Core.Audit.AuditOutcome.Succeeded,
        Detail = detail,
    };

    private static ApiKey Shape(long index, Account account, DateTimeOffset now, Random random)
    {
        var createdAt = now.AddDays(-random.Next(1, 400)).AddSeconds(-random.Next(0, 86_400));
        var roll = random.Next(100);
        var permissions = roll switch
        {
            < 50 => ApiKeyPermission.Read,
            < 80 => ApiKeyPermission.Read | ApiKeyPermission.Trade,
            < 92 => ApiKeyPermission.Read | ApiKeyPermission.Trade | ApiKeyPermission.Withdraw,
            _ => ApiKeyPermission.Read | ApiKeyPermission.Transfer,
        };
        var bound = random.Next(100) < 75;
        IReadOnlyList<IpRule> binding = !bound ? Array.Empty<IpRule>() : random.Next(100) switch
        {
            < 60 => [IpRule.Parse($"203.0.{random.Next(256)}.{random.Next(256)}")],
            < 90 => [IpRule.Parse($"198.51.{random.Next(256)}.0/24"), IpRule.Parse($"203.0.113.{random.Next(256)}")],
            _ => [IpRule.Parse($"2001:db8:{random.Next(65536):x}::/48")],
        };
        var disabled = random.Next(100) < 10;
        var expires = random.Next(100) < 30 ? createdAt.AddDays(new[] { 30, 90, 180, 360 }[random.Next(4)]) : (DateTimeOffset?)null;
        var used = random.Next(100) < 60 ? now.AddDays(-random.Next(0, 200)) : (DateTimeOffset?)null;
        return new ApiKey
        {
            KeyId = KeyTokens.NewKeyId(),
            AccountId = account.AccountId,
            AccountName = account.Name,
            Name = "bot-" + (index % KeysPerAccount).ToString("D4", CultureInfo.InvariantCulture),
            Memo = "Bot Trading – Server " + (char)('A' + random.Next(26)),
            Permissions = permissions,
            IpBinding = binding,
            UnboundSensitiveAllowed = permissions.IsSensitive() && binding.Count == 0,
            StoredStatus = disabled ? ApiKeyStatus.Disabled : ApiKeyStatus.Enabled,
            CreatedAt = createdAt,
            CreatedBy = "seed@bench-host",
            ExpiresAt = expires,
            DisabledAt = disabled ? createdAt.AddDays(random.Next(1, 30)) : null,
            DisabledReason = disabled ? "retired" : null,
            LastUsedAt = used is { } u && u > createdAt ? u : null,
            LastUsedAddress = used is { } v && v > createdAt ? "203.0.113.7" : null,
        };
    }

    private static byte[] SealedSecret(SecretBox secrets, string keyId)
    {
        Span<char> secret = stackalloc char[KeyTokens.SecretLength];
        Span<byte> ascii = stackalloc byte[KeyTokens.SecretLength];
        try
        {
            KeyTokens.NewSecret(secret);
            Encoding.ASCII.GetBytes(secret, ascii);
            return secrets.Seal(ascii, SealIdentity.ApiKey(keyId));
        }
        finally
        {
            secret.Clear();
            CryptographicOperations.ZeroMemory(ascii);
        }
    }
}
