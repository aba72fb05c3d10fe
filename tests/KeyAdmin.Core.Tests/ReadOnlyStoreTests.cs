using System.Security.Cryptography;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// A store opened to read only (what Get-* and the audit commands open) writes nothing, whatever is done with it:
/// an auditor can check a copy kept as evidence without changing it, tampered rows included.
/// </summary>
public sealed class ReadOnlyStoreTests : IDisposable
{
    private static readonly string[] Tables = { "accounts", "authenticators", "api_keys", "policy", "rotations", "audit", "audit_rows", "verification_refusals" };
    private readonly Harness h = new();

    public ReadOnlyStoreTests()
    {
        var desk = h.NewAccount();
        var key = h.CreateKey(desk, "bot").Key;
        h.Authority.Keys.Disable(key.KeyId, "retired");
        h.CreateKey(desk, "other");
    }

    public void Dispose() => h.Dispose();

    [Fact]
    public void ReadOnly_ListingReviewingAndCheckingTheChain_WritesNothing()
    {
        var before = Snapshot();

        using (var store = OpenReadOnly())
        {
            var authority = new KeyAdminAuthority(store, h.Clock, new Actor("auditor", "host"));
            Assert.Equal(2, authority.Keys.List("desk").Count());
            Assert.Single(authority.Accounts.List());
            Assert.NotEmpty(authority.Compliance.Review(new ComplianceOptions()).ToList());
            Assert.True(authority.Audit.Verify().IsIntact);
            Assert.Equal(h.AuditCount(), authority.Audit.Read(new AuditQuery()).Count());
        }

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void ReadOnly_AnyChange_IsRefusedWithStoreReadOnly()
    {
        using var store = OpenReadOnly();
        var authority = new KeyAdminAuthority(store, h.Clock, new Actor("auditor", "host"));
        var key = authority.Keys.List("desk").First();

        Refusal.Expect(KeyAdminError.StoreReadOnly, () => authority.Keys.Disable(key.KeyId, "x"));
        Refusal.Expect(KeyAdminError.StoreReadOnly, () => authority.Accounts.Create("ops", "ops@example.com"));
    }

    [Fact]
    public void ReadOnly_WithATamperedRow_ReportsItAndStillWritesNothing()
    {
        var key = h.Authority.Keys.List("desk").First();
        RawDb.Execute(h.StorePath, $"UPDATE api_keys SET memo = 'evidence' WHERE key_id = '{key.KeyId}'");
        var before = Snapshot();

        using (var store = OpenReadOnly())
        {
            var authority = new KeyAdminAuthority(store, h.Clock, new Actor("auditor", "host"));
            Assert.Contains(authority.Compliance.Review(new ComplianceOptions()), f => f.Rule == ComplianceRule.StoreTampered && f.KeyId == key.KeyId);
            Refusal.Expect(KeyAdminError.StoreTampered, () => authority.Keys.Get(key.KeyId));
        }

        Assert.Equal(before, Snapshot());
        Assert.DoesNotContain(h.Audit(), r => r.Action == "Store.TamperDetected");
    }

#if !POSTGRES
    [Fact]
    public void ReadOnly_OfAPathWithNoStore_CreatesNeitherStoreNorKeyFile()
    {
        var missing = Path.Combine(h.Folder, "typo", "keyadmin.db");

        Refusal.Expect(KeyAdminError.StoreUnavailable, () => Storage.Sqlite.SqliteStore.Open(missing, new FileKeyEncryptionKeySource(missing + ".kek"), readOnly: true));

        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    private IKeyAdminStore OpenReadOnly() => Storage.Sqlite.SqliteStore.Open(h.StorePath, new FileKeyEncryptionKeySource(h.KekPath), readOnly: true);

    /// <summary>The rows of every table, and the database file and its write-ahead log byte for byte.</summary>
    private string Snapshot() => string.Join("\n--\n", Tables.Select(t => RawDb.Dump(h.StorePath, t)).Append(FileHash(h.StorePath)).Append(FileHash(h.StorePath + "-wal")));

    private static string FileHash(string path) => File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "none";
#else
    private IKeyAdminStore OpenReadOnly() => Storage.Postgres.PostgresStore.Open(h.StorePath, new FileKeyEncryptionKeySource(h.KekPath), readOnly: true);

    private string Snapshot() => string.Join("\n--\n", Tables.Select(t => RawDb.Dump(h.StorePath, t)));
#endif
}
