using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// A store written by the release before row seals (schema 4) migrates forward once: every row sealed under the
/// key-encryption key in one transaction, recorded by one audit record. A store whose chain is broken, or whose
/// seals were stripped to make it look older, is refused rather than blessed.
/// </summary>
public sealed class UpgradeTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "keyadmin-core-tests", Guid.NewGuid().ToString("N"));
    private readonly string store;
    private readonly string kekPath;
    private readonly byte[] kek = SecretBox.NewKey();

    public UpgradeTests()
    {
        Directory.CreateDirectory(folder);
#if POSTGRES
        store = TestDatabase.Create();
        kekPath = Path.Combine(folder, "team.kek");
#else
        store = Path.Combine(folder, "keyadmin.db");
        kekPath = StoreLocation.KeyFileFor(store);
#endif
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Upgrade_OfAStoreOfTheLastRelease_SealsEveryRowOnceAuditsItAndKeepsItWorking()
    {
        var keyId = WriteReleaseFourStore();

        using (var upgraded = Open())
        {
            var records = upgraded.StreamAudit().ToList();
            var upgrade = Assert.Single(records, r => r.Action == "Store.Upgrade");
            Assert.Contains("FromSchema=4", upgrade.Detail, StringComparison.Ordinal);
            Assert.Contains("SealedRows=5", upgrade.Detail, StringComparison.Ordinal); // account, authenticator, key, fingerprint, store id
            var key = upgraded.Read(r => r.FindKey(keyId))!;
            Assert.Equal(ApiKeyStatus.Enabled, key.StoredStatus);
            Assert.Equal("desk", key.AccountName);
            var authority = new Authority.KeyAdminAuthority(upgraded, TimeProvider.System, new Actor("tester", "host"));
            Assert.True(authority.Audit.Verify().IsIntact);
            authority.Keys.Disable(keyId, "after the upgrade");
        }

        using var again = Open();
        Assert.Single(again.StreamAudit(), r => r.Action == "Store.Upgrade");
        Assert.Equal(ApiKeyStatus.Disabled, again.Read(r => r.FindKey(keyId))!.StoredStatus);
        Assert.Equal(0, RawDb.Scalar(store, "SELECT count(*) FROM api_keys WHERE row_mac IS NULL"));
    }

    [Fact]
    public void Upgrade_OfAStoreWhoseChainIsBroken_IsRefusedAndLeavesItAsItWas()
    {
        WriteReleaseFourStore();
        RawDb.Execute(store, "UPDATE audit SET actor = 'mallory' WHERE seq = 2");
        var before = Snapshot();

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => Open());

        Assert.Contains("audit chain is broken", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Upgrade_OfAStoreWhoseSealsWereStrippedToLookOlder_IsRefused()
    {
        using (var current = Open())
        {
            var authority = new Authority.KeyAdminAuthority(current, TimeProvider.System, new Actor("tester", "host"));
            authority.Accounts.Create("desk", "desk@example.com");
        }

        // What a writer of the database would do to have its edits sealed by the next open.
        foreach (var table in new[] { "accounts", "authenticators", "api_keys", "policy", "rotations", Meta })
        {
            RawDb.Execute(store, $"ALTER TABLE {table} DROP COLUMN row_version; ALTER TABLE {table} DROP COLUMN row_mac");
        }

        RawDb.Execute(store, "DROP TABLE audit_rows; ALTER TABLE audit DROP COLUMN row_refs; UPDATE accounts SET key_limit = 1000");
#if POSTGRES
        RawDb.Execute(store, "UPDATE keyadmin_meta SET value = '4' WHERE name = 'schema_version'");
#else
        RawDb.Execute(store, "PRAGMA user_version = 4");
#endif

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => Open());

        Assert.Contains("sealed before", e.Message, StringComparison.Ordinal);
    }

#if POSTGRES
    private const string Meta = "keyadmin_meta";

    private IKeyAdminStore Open() => Storage.Postgres.PostgresStore.Open(store, new FileKeyEncryptionKeySource(kekPath));
#else
    private const string Meta = "meta";

    private IKeyAdminStore Open() => Storage.Sqlite.SqliteStore.Open(store, new FileKeyEncryptionKeySource(kekPath));
#endif

    private string Snapshot() => string.Join("\n--\n", new[] { "accounts", "api_keys", "audit", Meta }.Select(t => RawDb.Dump(store, t)));

    /// <summary>
    /// A store as release 0.1.0 (schema 4) left it, written with that release's SQL and its chain: an account with
    /// its confirmed authenticator, an enabled key, and three audit records under a sealed head. Returns the key id.
    /// </summary>
    private string WriteReleaseFourStore()
    {
        File.WriteAllBytes(kekPath, kek);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(kekPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var secrets = new SecretBox(kek);
        var chain = new AuditChain(secrets.DeriveKey("audit chain v1"));
#if POSTGRES
        RawDb.Execute(store, $"SET ROLE {KeyAdmin.TestSupport.PostgresCluster.Role}; CREATE SCHEMA keyadmin; {string.Join("\n", Storage.Postgres.PostgresSchema.Migrations.Take(4))} " +
                             "INSERT INTO keyadmin_meta (name, value) VALUES ('schema_version', '4');");
#else
        RawDb.Execute(store, string.Join("\n", Storage.Sqlite.SqliteSchema.Migrations.Take(4)) +
                             $"PRAGMA application_id = {Storage.Sqlite.SqliteSchema.ApplicationId}; PRAGMA user_version = 4;");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(store, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
#endif
        var at = DateTimeOffset.UtcNow.AddDays(-10).ToUnixTimeMilliseconds();
        var accountId = Guid.NewGuid().ToString("N");
        var authenticatorId = Guid.NewGuid().ToString("N");
        var keyId = KeyTokens.NewKeyId();
        Insert(Meta, new() { ["name"] = "kek_fingerprint", ["value"] = secrets.Fingerprint });
        Insert(Meta, new() { ["name"] = "store_id", ["value"] = Guid.NewGuid().ToString("N") });
        Insert("accounts", new()
        {
            ["account_id"] = accountId, ["name"] = "desk", ["name_key"] = "desk", ["email"] = "desk@example.com", ["created_at"] = at, ["created_by"] = "v0.1@host",
            ["failed_codes"] = 0, ["require_withdrawal_code"] = Flag(false),
        });
        Insert("authenticators", new()
        {
            ["authenticator_id"] = authenticatorId, ["account_id"] = accountId, ["name"] = "primary", ["name_key"] = "primary", ["kind"] = "Primary", ["status"] = "Active",
            ["seed"] = secrets.Seal(RandomNumberGenerator.GetBytes(20), SealIdentity.Authenticator(authenticatorId)), ["created_at"] = at, ["created_by"] = "v0.1@host",
            ["confirmed_at"] = at, ["last_used_step"] = 0L,
        });
        Insert("api_keys", new()
        {
            ["key_id"] = keyId, ["account_id"] = accountId, ["name"] = "bot", ["name_key"] = "bot", ["memo"] = string.Empty, ["permissions"] = (int)ApiKeyPermission.Read,
            ["ip_binding"] = string.Empty, ["unbound_sensitive"] = Flag(false), ["status"] = "Enabled",
            ["secret"] = secrets.Seal(Encoding.ASCII.GetBytes(new string('s', KeyTokens.SecretLength)), SealIdentity.ApiKey(keyId)),
            ["created_at"] = at, ["created_by"] = "v0.1@host", ["pending_delivery"] = Flag(false),
        });
        var previous = AuditChain.Genesis;
        var actions = new[] { ("Account.Create", (string?)null), ("Authenticator.Confirm", null), ("ApiKey.Create", keyId) };
        for (var i = 0; i < actions.Length; i++)
        {
            var entry = new AuditEntry
            {
                Sequence = i + 1, At = DateTimeOffset.FromUnixTimeMilliseconds(at), Actor = "admin", ActorHost = "host", Action = actions[i].Item1,
                AccountName = "desk", KeyId = actions[i].Item2, Target = "desk", Outcome = AuditOutcome.Succeeded,
            };
            var hash = chain.Hash(entry, previous);
            Insert("audit", new()
            {
                ["seq"] = entry.Sequence, ["at"] = at, ["actor"] = entry.Actor, ["actor_host"] = entry.ActorHost, ["action"] = entry.Action, ["account"] = entry.AccountName,
                ["key_id"] = entry.KeyId, ["target"] = entry.Target, ["outcome"] = "Succeeded", ["prev_hash"] = previous, ["hash"] = hash,
            });
            previous = hash;
        }

        Insert(Meta, new() { ["name"] = "audit_head", ["value"] = $"3|{previous}|{chain.HeadSeal(3, previous)}" });
        return keyId;
    }

    private void Insert(string table, Dictionary<string, object?> row) => RawDb.PutBack(store, table, row, "1 = 0");

#if POSTGRES
    private static object Flag(bool value) => value;
#else
    private static object Flag(bool value) => value ? 1 : 0;
#endif
}
