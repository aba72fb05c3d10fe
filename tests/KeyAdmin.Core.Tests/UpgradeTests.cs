using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Accounts;

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
    public void Upgrade_FromSchemaFive_MigratesOnceAndEveryRowStillPassesItsCheck()
    {
        using (var current = Open())
        {
            var authority = new Authority.KeyAdminAuthority(current, TimeProvider.System, new Actor("tester", "host"));
            authority.Accounts.Create("desk", "desk@example.com");
            // The policy is the store administrator's to change (schema 7); its codes from the steps around now.
            var seed = Totp.FromBase32(Harness.Reveal(authority.StoreAdministrator.Enrol("security@example.com").Secret));
            authority.Authenticators.Confirm(StoreAdministrator.AccountName, null, TwoFactorProof.FromCode(Totp.ComputeCode(seed, DateTimeOffset.UtcNow.AddSeconds(-30))));
            authority.Policy.Set(p => p with { MaxFailedCodes = 3 }, TwoFactorProof.FromCode(Totp.ComputeCode(seed, DateTimeOffset.UtcNow)));
        }

        // A store of schema 5: sealed rows, none of what schemas 6 and 7 added, and a chain without account ids.
        UndoSchemaEight();
        UndoSchemaSeven();
        UndoSchemaSix();
        RechainWithoutAccountIds();
#if POSTGRES
        RawDb.Execute(store, "UPDATE keyadmin_meta SET value = '5' WHERE name = 'schema_version'");
#else
        RawDb.Execute(store, "PRAGMA user_version = 5");
#endif

        using var upgraded = Open();
        var reopened = new Authority.KeyAdminAuthority(upgraded, TimeProvider.System, new Actor("tester", "host"));
        Assert.Equal(3, reopened.Policy.Get().MaxFailedCodes);
        Assert.Equal(Policy.KeyAdminPolicy.DefaultMinBindingPrefixV4, reopened.Policy.Get().MinBindingPrefixV4);
        Assert.Equal("desk", Assert.Single(reopened.Accounts.List()).Account.Name);
        Assert.Equal(AutomationScopes.Default, Assert.Single(upgraded.Read(r => r.ListAuthenticators(r.FindAccount("desk")!.AccountId))).Scope);
        Assert.Empty(upgraded.Read(r => r.ScanIntegrity()));
        var report = reopened.Audit.Verify();
        Assert.True(report.IsIntact, report.Problem);
        Assert.Equal(StoreSchema.CurrentVersion, upgraded.Description.SchemaVersion);
    }

    [Fact]
    public void RowSeal_OfAKeyWithoutAPassphraseAndOfADefaultBindingMinimum_IsWhatSchemaFiveSealed()
    {
        // Schema 6 added fields to the seals of keys and of the policy, appended only when they are set, so that
        // every row sealed under schema 5 still passes its check. The field lists of schema 5, written out:
        var seal = new RowSeal(SecretBox.NewKey());
        var key = new ApiKey
        {
            KeyId = KeyTokens.NewKeyId(), AccountId = "a1", AccountName = "desk", Name = "bot", Permissions = ApiKeyPermission.Read | ApiKeyPermission.Trade,
            IpBinding = IpBinding.Build(new[] { "203.0.113.7" }), StoredStatus = ApiKeyStatus.Enabled, CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), CreatedBy = "tester@host",
        };
        var policy = new Policy.KeyAdminPolicy { MaxFailedCodes = 3 };
        byte[] SchemaFiveKey(ApiKey k) => seal.Of(Tables.Keys, k.KeyId, 7, c => c
            .Add(k.AccountId).Add(k.Name).Add(k.Memo).Add((long)k.Permissions).Add(IpBinding.Serialize(k.IpBinding)).Add(k.UnboundSensitiveAllowed)
            .Add(k.StoredStatus.ToString()).Add(k.CreatedAt).Add(k.CreatedBy).Add(k.ExpiresAt).Add(k.DisabledAt).Add(k.DisabledReason).Add(k.DeletedAt)
            .Add(k.PendingDelivery).Add(k.Vault).Add(k.VaultSecretName).Add(k.RotatedFrom).Add(k.RotatedTo));
        byte[] SchemaFivePolicy(Policy.KeyAdminPolicy p) => seal.Of(Tables.Policy, "1", 7, c => c
            .Add(p.MaxKeysPerAccount).Add(p.MaxFailedCodes).Add((long)p.LockoutDuration.TotalSeconds).Add((long)p.ConfirmationLifetime.TotalSeconds));

        Assert.Equal(SchemaFiveKey(key), seal.Of(Tables.Keys, key.KeyId, 7, c => RowSeal.Fields(c, key)));
        Assert.Equal(SchemaFivePolicy(policy), seal.Of(Tables.Policy, "1", 7, c => RowSeal.Fields(c, policy)));
        // What schema 6 added is sealed once it is set.
        Assert.NotEqual(SchemaFiveKey(key), seal.Of(Tables.Keys, key.KeyId, 7, c => RowSeal.Fields(c, key with { HasPassphrase = true, KeyVersions = KuCoinKeyVersions.V2 })));
        Assert.NotEqual(SchemaFivePolicy(policy), seal.Of(Tables.Policy, "1", 7, c => RowSeal.Fields(c, policy with { MinBindingPrefixV4 = 8 })));
    }

    [Fact]
    public void Upgrade_OfAStoreWhoseSealsWereStrippedToLookOlder_IsRefused()
    {
        using (var current = Open())
        {
            var authority = new Authority.KeyAdminAuthority(current, TimeProvider.System, new Actor("tester", "host"));
            authority.Accounts.Create("desk", "desk@example.com");
        }

        // What a writer of the database would do to have its edits sealed by the next open: take away what
        // schemas 6 and 7 added (so that the migrations after 4 run again), then the seals.
        UndoSchemaEight();
        UndoSchemaSeven();
        UndoSchemaSix();
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

    /// <summary>Takes away what schema 7 added (the recovery of an authenticator, scopes, withdrawal lockouts, audit account ids).</summary>
    /// <summary>Takes away what schema 8 added: the decision seals.</summary>
    private void UndoSchemaEight() =>
        RawDb.Execute(store, "ALTER TABLE api_keys DROP COLUMN decision_mac; ALTER TABLE accounts DROP COLUMN decision_mac");

    private void UndoSchemaSeven()
    {
        // The trigger names the withdrawal columns; UndoSchemaSix replaces this stand-in as it does schema 6's.
#if POSTGRES
        RawDb.Execute(store, "DROP TRIGGER api_keys_deleted_final ON api_keys; " +
            "CREATE TRIGGER api_keys_deleted_final BEFORE UPDATE ON api_keys FOR EACH ROW WHEN (OLD.status = 'Deleted') EXECUTE FUNCTION keyadmin_refuse('KeyAdmin.KeyDeleted')");
#else
        RawDb.Execute(store, "DROP TRIGGER api_keys_deleted_final; " +
            "CREATE TRIGGER api_keys_deleted_final BEFORE UPDATE ON api_keys WHEN OLD.status = 'Deleted' BEGIN SELECT RAISE(ABORT, 'KeyAdmin.KeyDeleted'); END");
#endif
        RawDb.Execute(store, "DROP TABLE recovery_codes; DROP INDEX ux_authenticators_name; " +
            "ALTER TABLE accounts DROP COLUMN recovery_started_at; ALTER TABLE accounts DROP COLUMN recovery_until; " +
            "ALTER TABLE authenticators DROP COLUMN scope; ALTER TABLE authenticators DROP COLUMN suspended_at; " +
            "CREATE UNIQUE INDEX ux_authenticators_name ON authenticators (account_id, name_key) WHERE status <> 'Revoked'; " +
            "ALTER TABLE api_keys DROP COLUMN withdrawal_failures; ALTER TABLE api_keys DROP COLUMN withdrawal_locked_until; " +
            "ALTER TABLE policy DROP COLUMN recovery_seconds; ALTER TABLE audit DROP COLUMN account_id");
    }

    /// <summary>Seals the chain again as schema 5 sealed it, before records carried account ids.</summary>
    private void RechainWithoutAccountIds()
    {
        using var secrets = new SecretBox(new FileKeyEncryptionKeySource(kekPath).Load()!);
        var chain = new AuditChain(secrets.DeriveKey("audit chain v1"));
        using var connection = RawDb.Open(store);
        var entries = new List<AuditEntry>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT seq, at, actor, actor_host, action, account, key_id, target, outcome, reason, confirmed_by, detail, row_refs FROM audit ORDER BY seq";
            using var r = select.ExecuteReader();
            string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
            while (r.Read())
            {
                entries.Add(new AuditEntry
                {
                    Sequence = r.GetInt64(0), At = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), Actor = r.GetString(2), ActorHost = r.GetString(3), Action = r.GetString(4),
                    AccountName = Text(5), KeyId = Text(6), Target = Text(7), Outcome = Enum.Parse<AuditOutcome>(r.GetString(8)), Reason = Text(9), ConfirmedBy = Text(10),
                    Detail = Text(11), Rows = Text(12),
                });
            }
        }

        var previous = AuditChain.Genesis;
        foreach (var entry in entries)
        {
            var hash = chain.Hash(entry, previous);
            RawDb.Execute(store, $"UPDATE audit SET prev_hash = '{previous}', hash = '{hash}' WHERE seq = {entry.Sequence}");
            previous = hash;
        }

        var last = entries[^1].Sequence;
        RawDb.Execute(store, $"UPDATE {Meta} SET value = '{last}|{previous}|{chain.HeadSeal(last, previous)}' WHERE name = 'audit_head'");
    }

    private void UndoSchemaSix()
    {
#if POSTGRES
        RawDb.Execute(store, "DROP TRIGGER api_keys_key_versions_immutable ON api_keys; DROP TRIGGER api_keys_deleted_final ON api_keys; " +
            "CREATE TRIGGER api_keys_deleted_final BEFORE UPDATE ON api_keys FOR EACH ROW WHEN (OLD.status = 'Deleted') EXECUTE FUNCTION keyadmin_refuse('KeyAdmin.KeyDeleted')");
#else
        RawDb.Execute(store, "DROP TRIGGER api_keys_key_versions_immutable; DROP TRIGGER api_keys_deleted_final; " +
            "CREATE TRIGGER api_keys_deleted_final BEFORE UPDATE ON api_keys WHEN OLD.status = 'Deleted' BEGIN SELECT RAISE(ABORT, 'KeyAdmin.KeyDeleted'); END");
#endif
        RawDb.Execute(store, "ALTER TABLE api_keys DROP COLUMN passphrase; ALTER TABLE api_keys DROP COLUMN key_versions; DROP TABLE replay_guard; " +
            "ALTER TABLE policy DROP COLUMN min_binding_prefix_v4; ALTER TABLE policy DROP COLUMN min_binding_prefix_v6");
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
