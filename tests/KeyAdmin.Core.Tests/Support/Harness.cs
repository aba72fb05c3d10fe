using System.Net;
using System.Security;
using System.Security.Cryptography;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;
using Microsoft.Extensions.Time.Testing;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>An account the test created, with the seed of its confirmed primary authenticator and its recovery codes.</summary>
public sealed record TestAccount(string Name, byte[] Seed, IReadOnlyList<string> RecoveryCodes);

/// <summary>
/// One test's world: a temp folder with a fresh SQLite store and its key file, a fixed clock that starts
/// ten seconds into a TOTP step, and the authority over them. Compiled with POSTGRES (tests/KeyAdmin.Postgres.Tests)
/// the store is a PostgresStore in a fresh database of the run's cluster, and StorePath is its connection string.
/// </summary>
public sealed class Harness : IDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 10, TimeSpan.Zero);

    public Harness()
        : this(Start)
    {
    }

    public Harness(DateTimeOffset start)
    {
        Folder = Path.Combine(Path.GetTempPath(), "keyadmin-core-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        StoreFolder = Path.Combine(Folder, "store");
#if POSTGRES
        StorePath = TestDatabase.Create();
        KekPath = Path.Combine(Folder, "team.kek");
#else
        StorePath = Path.Combine(StoreFolder, "keyadmin.db");
        KekPath = StorePath + ".kek";
#endif
        Clock = new FakeTimeProvider(start);
        Store = OpenStore();
        Authority = new KeyAdminAuthority(Store, Clock, new Actor("tester", "host"));
    }

    private byte[]? storeAdministratorSeed;

    public string Folder { get; }

    /// <summary>Created by the store itself on first use (so its mode is the store's doing).</summary>
    public string StoreFolder { get; }

    /// <summary>The database file; with POSTGRES, the connection string of the test's own database.</summary>
    public string StorePath { get; }

    public string KekPath { get; }

    public FakeTimeProvider Clock { get; }

    public IKeyAdminStore Store { get; }

    public KeyAdminAuthority Authority { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

#if POSTGRES
    public IKeyAdminStore OpenStore() => Storage.Postgres.PostgresStore.Open(StorePath, new FileKeyEncryptionKeySource(KekPath));
#else
    public IKeyAdminStore OpenStore() => SqliteStore.Open(StorePath, new FileKeyEncryptionKeySource(KekPath));
#endif

    /// <summary>Moves the clock to the next TOTP step, so that the next code of an authenticator is a new one.</summary>
    public void NextStep() => Clock.Advance(TimeSpan.FromSeconds(Totp.PeriodSeconds));

    public string Code(byte[] seed) => Totp.ComputeCode(seed, Now);

    public string CodeAt(byte[] seed, TimeSpan offset) => Totp.ComputeCode(seed, Now + offset);

    /// <summary>Six digits that are not the code of any step the gate accepts now (current ±1).</summary>
    public string WrongCode(byte[] seed)
    {
        var valid = new[] { -1, 0, 1 }.Select(s => CodeAt(seed, TimeSpan.FromSeconds(s * Totp.PeriodSeconds))).ToHashSet();
        var candidate = (int.Parse(Code(seed), System.Globalization.CultureInfo.InvariantCulture) + 500_000) % 1_000_000;
        while (valid.Contains(candidate.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)))
        {
            candidate = (candidate + 1) % 1_000_000;
        }

        return candidate.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    public TwoFactorProof Proof(byte[] seed) => TwoFactorProof.FromCode(Code(seed));

    /// <summary>Creates an account and confirms its primary authenticator; the clock moves on one step.</summary>
    public TestAccount NewAccount(string name = "desk")
    {
        var enrollment = Authority.Accounts.Create(name, name + "@example.com");
        var seed = SeedOf(enrollment);
        Authority.Authenticators.Confirm(name, null, Proof(seed));
        NextStep();
        return new TestAccount(name, seed, enrollment.RecoveryCodes.Select(Reveal).ToList());
    }

    /// <summary>Resets the account's authenticator without a recovery code (a cooling-off starts); returns the new seed, unconfirmed.</summary>
    public byte[] ResetWithoutRecoveryCode(TestAccount account, string reason = "phone lost") =>
        SeedOf(Authority.Authenticators.Reset(account.Name, reason));

    /// <summary>Resets without a recovery code and confirms the new authenticator; the clock moves on one step.</summary>
    public byte[] TakeOverByReset(TestAccount account)
    {
        var seed = ResetWithoutRecoveryCode(account, "phone lost (claimed by whoever holds the shell)");
        Authority.Authenticators.Confirm(account.Name, null, Proof(seed));
        NextStep();
        return seed;
    }

    /// <summary>
    /// Every row that holds security state (keys, accounts, authenticators with their last accepted step, policy,
    /// recovery codes) as text, read directly from the database: equal snapshots mean a refusal changed nothing and
    /// spent no code. The audit log is left out: a refusal is recorded there.
    /// </summary>
    public string StateSnapshot() =>
        string.Join("\n--\n", new[] { "api_keys", "accounts", "authenticators", "policy", "recovery_codes" }.Select(t => RawDb.Dump(StorePath, t)));

    /// <summary>Registers an automation authenticator with a primary code; the clock moves on one step.</summary>
    public byte[] RegisterAutomation(TestAccount account, string name)
    {
        var enrollment = Authority.Authenticators.Register(account.Name, name, Proof(account.Seed));
        NextStep();
        return SeedOf(enrollment);
    }

    /// <summary>The seed of the store administrator's confirmed authenticator, enrolled on first use; the clock moves on one step then.</summary>
    public byte[] StoreAdministratorSeed
    {
        get
        {
            if (storeAdministratorSeed is null)
            {
                var enrollment = Authority.StoreAdministrator.Enrol("security@example.com");
                var seed = SeedOf(enrollment);
                Authority.Authenticators.Confirm(Accounts.StoreAdministrator.AccountName, null, Proof(seed));
                NextStep();
                storeAdministratorSeed = seed;
            }

            return storeAdministratorSeed;
        }
    }

    /// <summary>Changes the policy, confirmed by the store administrator (through <paramref name="via"/> when given); the clock moves on one step.</summary>
    public Policy.KeyAdminPolicy SetPolicy(Func<Policy.KeyAdminPolicy, Policy.KeyAdminPolicy> change, KeyAdminAuthority? via = null)
    {
        var proof = Proof(StoreAdministratorSeed);
        var policy = (via ?? Authority).Policy.Set(change, proof);
        NextStep();
        return policy;
    }

    public IssuedKey CreateKey(TestAccount account, string name, Func<NewKeyRequest, NewKeyRequest>? shape = null)
    {
        var request = new NewKeyRequest { Account = account.Name, Name = name };
        var issued = Authority.Keys.Create(shape is null ? request : shape(request), Proof(account.Seed));
        NextStep();
        return issued;
    }

    /// <summary>A Withdraw key bound to 203.0.113.7, with its secret as the bytes a client signs with.</summary>
    public (ApiKey Key, byte[] Secret) WithdrawKey(TestAccount account, string name)
    {
        var issued = CreateKey(account, name, r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "203.0.113.7" } });
        return (issued.Key, System.Text.Encoding.ASCII.GetBytes(Reveal(issued.Secret)));
    }

    /// <summary>A signed withdrawal request from 203.0.113.7 carrying <paramref name="code"/>; <paramref name="n"/> makes each one unique (no replay).</summary>
    public SignedRequest Withdrawal(ApiKey key, byte[] secret, int n, string? code)
    {
        var timestamp = Now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = System.Text.Encoding.UTF8.GetBytes("{\"amount\":" + n + "}");
        return new SignedRequest
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Signature = RequestSigner.Sign(secret, timestamp, "POST", "/api/v1/withdrawals", body),
            Method = "POST",
            PathAndQuery = "/api/v1/withdrawals",
            ContentType = "application/json",
            Body = body,
            CallerAddress = IPAddress.Parse("203.0.113.7"),
            RequiredPermission = ApiKeyPermission.Withdraw,
            TwoFactorCode = code,
        };
    }

    /// <summary>Creates, disables and deletes a key; the clock moves on two steps.</summary>
    public ApiKey CreateAndRemoveKey(TestAccount account, string name)
    {
        var key = CreateKey(account, name).Key;
        Authority.Keys.Disable(key.KeyId, "test");
        var removed = Authority.Keys.Remove(key.KeyId, Proof(account.Seed));
        NextStep();
        return removed;
    }

    public int AuditCount() => Store.StreamAudit().Count();

    public List<AuditEntry> Audit() => Store.StreamAudit().ToList();

    public int LiveKeyCount(string accountName) => Authority.Keys.List(accountName).Count();

    public Accounts.Account AccountRecord(string name) =>
        Store.Read(r => r.FindAccount(name)) ?? throw new InvalidOperationException("no such account");

    public static byte[] SeedOf(Enrollment enrollment) => Totp.FromBase32(Reveal(enrollment.Secret));

    /// <summary>The plain text of a SecureString, for the test to compare; never printed.</summary>
    public static string Reveal(SecureString value) => new NetworkCredential(string.Empty, value).Password;

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

public static class Refusal
{
    /// <summary>Runs <paramref name="act"/> and asserts that the core refuses it with <paramref name="expected"/>.</summary>
    public static KeyAdminException Expect(KeyAdminError expected, Action act)
    {
        var e = Assert.Throws<KeyAdminException>(act);
        Assert.Equal(expected, e.Error);
        Assert.Equal("KeyAdmin." + expected, e.ErrorId);
        return e;
    }

    public static KeyAdminException Expect<T>(KeyAdminError expected, Func<T> act) => Expect(expected, () => { _ = act(); });
}

#if !POSTGRES
/// <summary>Reads the database file directly, as another program would.</summary>
public static class RawDb
{
    public static Microsoft.Data.Sqlite.SqliteConnection Open(string path)
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static int Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public static long Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string? Text(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    /// <summary>Every column of the one row <paramref name="where"/> selects: a copy an attacker keeps to put back later.</summary>
    public static Dictionary<string, object?> Row(string path, string table, string where)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table} WHERE {where}";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"no {table} row where {where}");
        return Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i));
    }

    /// <summary>
    /// Writes <paramref name="row"/> (from <see cref="Row"/>) over the row <paramref name="where"/> selects, or inserts
    /// it where that row is gone. Triggers stay as they are: a test that needs them out of the way drops them, as the
    /// attacker would.
    /// </summary>
    public static void PutBack(string path, string table, Dictionary<string, object?> row, string where)
    {
        using var connection = Open(path);
        using var update = connection.CreateCommand();
        update.CommandText = $"UPDATE {table} SET {string.Join(", ", row.Keys.Select(k => $"{k} = @{k}"))} WHERE {where}";
        using var insert = connection.CreateCommand();
        insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", row.Keys)}) VALUES ({string.Join(", ", row.Keys.Select(k => "@" + k))})";
        foreach (var (name, value) in row)
        {
            update.Parameters.AddWithValue("@" + name, value ?? DBNull.Value);
            insert.Parameters.AddWithValue("@" + name, value ?? DBNull.Value);
        }

        if (update.ExecuteNonQuery() == 0)
        {
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Every row of <paramref name="table"/> as text (blobs as a hash), to prove a table unchanged.</summary>
    public static string Dump(string path, string table)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table} ORDER BY rowid";
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
}
#endif
