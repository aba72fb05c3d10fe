using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;
#if POSTGRES
using RawDbException = Npgsql.PostgresException;
#else
using RawDbException = Microsoft.Data.Sqlite.SqliteException;
#endif

namespace KeyAdmin.Core.Tests;

/// <summary>After creation: labels and binding (R5, R7), fixed permissions (R3), disable/enable (R9), delete (R10), expiry (R14).</summary>
public sealed class KeyLifecycleTests : IDisposable
{
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public KeyLifecycleTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    private ApiKey Update(ApiKey key, KeyChanges changes)
    {
        var updated = h.Authority.Keys.Update(key.KeyId, changes, h.Proof(desk.Seed));
        h.NextStep();
        return updated;
    }

    [Fact]
    public void Disable_StopsTheKeyAndAuditsTheReason_WithoutACode()
    {
        var key = h.CreateKey(desk, "bot").Key;

        var disabled = h.Authority.Keys.Disable(key.KeyId, "suspected leak");

        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);
        Assert.Equal(h.Now, disabled.DisabledAt);
        Assert.Equal("suspected leak", h.Authority.Keys.Get(key.KeyId).DisabledReason);
        var audit = h.Audit().Single(a => a.Action == "ApiKey.Disable");
        Assert.Equal(key.KeyId, audit.KeyId);
        Assert.Equal("suspected leak", audit.Reason);
        Assert.Null(audit.ConfirmedBy);
    }

    [Fact]
    public void Enable_OfADisabledKey_NeedsACodeAndEnablesIt()
    {
        var key = h.CreateKey(desk, "bot").Key;
        h.Authority.Keys.Disable(key.KeyId, null);

        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Keys.Enable(key.KeyId, TwoFactorProof.FromCode(null)));
        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);

        var enabled = h.Authority.Keys.Enable(key.KeyId, h.Proof(desk.Seed));

        Assert.Equal(ApiKeyStatus.Enabled, enabled.StoredStatus);
        Assert.Null(h.Authority.Keys.Get(key.KeyId).DisabledAt);
        Assert.Equal("primary", h.Audit().Single(a => a.Action == "ApiKey.Enable").ConfirmedBy);
    }

    [Fact]
    public void Enable_OfAnExpiredKey_RefusesWithKeyExpired()
    {
        var key = h.CreateKey(desk, "bot", r => r with { ExpiresInDays = 30 }).Key;
        h.Authority.Keys.Disable(key.KeyId, null);
        h.Clock.SetUtcNow(key.ExpiresAt!.Value);
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.KeyExpired, () => h.Authority.Keys.Enable(key.KeyId, h.Proof(desk.Seed)));

        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);
        Assert.Equal(auditBefore, h.AuditCount());
    }

    [Fact]
    public void Remove_OfAnEnabledKey_RefusesWithKeyNotDisabled()
    {
        var key = h.CreateKey(desk, "bot").Key;
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.KeyNotDisabled, () => h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed)));

        Assert.Equal(ApiKeyStatus.Enabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);
        Assert.NotNull(h.Store.Read(r => r.ReadSealedSecret(key.KeyId)));
        Assert.Equal(auditBefore, h.AuditCount());
    }

    [Fact]
    public void Remove_OfADisabledKey_DestroysTheSecretAndHidesItFromListings()
    {
        var key = h.CreateKey(desk, "bot").Key;
        var other = h.CreateKey(desk, "other").Key;
        h.Authority.Keys.Disable(key.KeyId, null);

        var removed = h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed));

        Assert.Equal(ApiKeyStatus.Deleted, removed.StoredStatus);
        Assert.Null(h.Store.Read(r => r.ReadSealedSecret(key.KeyId)));
        Assert.NotNull(h.Store.Read(r => r.ReadSealedSecret(other.KeyId)));
        Assert.Equal(new[] { other.KeyId }, h.Authority.Keys.List("desk").Select(k => k.KeyId));
        Assert.Equal(new[] { other.KeyId }, h.Authority.Keys.List().Select(k => k.KeyId));
        var tombstone = h.Authority.Keys.List("desk", includeDeleted: true).Single(k => k.KeyId == key.KeyId);
        Assert.Equal(ApiKeyStatus.Deleted, tombstone.StoredStatus);
        Assert.Equal(h.Now, tombstone.DeletedAt);
        Assert.Equal("primary", h.Audit().Single(a => a.Action == "ApiKey.Remove").ConfirmedBy);
    }

    [Fact]
    public void Remove_WithoutACode_RefusesAndKeepsTheSecret()
    {
        var key = h.CreateKey(desk, "bot").Key;
        h.Authority.Keys.Disable(key.KeyId, null);

        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Keys.Remove(key.KeyId, TwoFactorProof.FromCode(null)));

        Assert.NotNull(h.Store.Read(r => r.ReadSealedSecret(key.KeyId)));
        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);
    }

    [Fact]
    public void DeletedKey_CannotBeEnabledDisabledUpdatedOrRemovedAgain()
    {
        var key = h.CreateAndRemoveKey(desk, "bot");

        Refusal.Expect(KeyAdminError.KeyDeleted, () => h.Authority.Keys.Enable(key.KeyId, h.Proof(desk.Seed)));
        Refusal.Expect(KeyAdminError.KeyDeleted, () => h.Authority.Keys.Disable(key.KeyId, null));
        Refusal.Expect(KeyAdminError.KeyDeleted, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { Memo = "x" }, h.Proof(desk.Seed)));
        Refusal.Expect(KeyAdminError.KeyDeleted, () => h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed)));
        Assert.Equal(ApiKeyStatus.Deleted, h.Authority.Keys.Get(key.KeyId).StoredStatus);
    }

    [Fact]
    public void Update_RenamesAndChangesTheMemo_WithoutACode()
    {
        var key = h.CreateKey(desk, "bot", r => r with { Memo = "old" }).Key;

        var updated = h.Authority.Keys.Update(key.KeyId, new KeyChanges { NewName = "bot-renamed", Memo = "Bot Trading – Server B" }, TwoFactorProof.FromCode(null));

        Assert.Equal("bot-renamed", updated.Name);
        var stored = h.Authority.Keys.Get("desk", "BOT-RENAMED");
        Assert.Equal(key.KeyId, stored.KeyId);
        Assert.Equal("Bot Trading – Server B", stored.Memo);
        var audit = h.Audit().Single(a => a.Action == "ApiKey.Update");
        Assert.Contains("Name=bot->bot-renamed", audit.Detail, StringComparison.Ordinal);
        Assert.Contains("Memo changed", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_RenameToANameInUse_RefusesWithKeyNameExists()
    {
        var a = h.CreateKey(desk, "a").Key;
        h.CreateKey(desk, "b");

        Refusal.Expect(KeyAdminError.KeyNameExists, () => h.Authority.Keys.Update(a.KeyId, new KeyChanges { NewName = "B" }, TwoFactorProof.FromCode(null)));
        Assert.Equal("a", h.Authority.Keys.Get(a.KeyId).Name);
    }

    [Fact]
    public void Update_RenameToADifferentCaseOfItsOwnName_IsAccepted()
    {
        var a = h.CreateKey(desk, "bot").Key;

        h.Authority.Keys.Update(a.KeyId, new KeyChanges { NewName = "BOT" }, TwoFactorProof.FromCode(null));

        Assert.Equal("BOT", h.Authority.Keys.Get(a.KeyId).Name);
    }

    [Fact]
    public void Update_ReplacesTheBinding_WithACode()
    {
        var key = h.CreateKey(desk, "bot", r => r with { IpAddresses = new[] { "203.0.113.7" } }).Key;

        Update(key, new KeyChanges { IpAddresses = new[] { "198.51.100.0/24", "2001:db8::/32" } });

        Assert.Equal(new[] { "198.51.100.0/24", "2001:db8::/32" }, h.Authority.Keys.Get(key.KeyId).IpBinding.Select(r => r.ToString()));
        var audit = h.Audit().Single(a => a.Action == "ApiKey.Update");
        Assert.Equal("IpBinding=203.0.113.7->198.51.100.0/24,2001:db8::/32", audit.Detail);
        Assert.Equal("primary", audit.ConfirmedBy);
    }

    [Fact]
    public void Update_AddsAndRemovesAddresses()
    {
        var key = h.CreateKey(desk, "bot", r => r with { IpAddresses = new[] { "203.0.113.7", "203.0.113.8" } }).Key;

        Update(key, new KeyChanges { AddIpAddresses = new[] { "203.0.113.9", "203.0.113.7" }, RemoveIpAddresses = new[] { "::ffff:203.0.113.8" } });

        Assert.Equal(new[] { "203.0.113.7", "203.0.113.9" }, h.Authority.Keys.Get(key.KeyId).IpBinding.Select(r => r.ToString()));
    }

    [Fact]
    public void Update_OfTheBindingWithoutACode_RefusesAndKeepsTheBinding()
    {
        var key = h.CreateKey(desk, "bot", r => r with { IpAddresses = new[] { "203.0.113.7" } }).Key;

        Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { IpAddresses = Array.Empty<string>() }, TwoFactorProof.FromCode(null)));

        Assert.Single(h.Authority.Keys.Get(key.KeyId).IpBinding);
    }

    [Fact]
    public void Update_RemovingTheLastAddressOfAWithdrawKey_RefusesWithUnboundSensitivePermission()
    {
        var key = h.CreateKey(desk, "mover", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "203.0.113.7" } }).Key;
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.UnboundSensitivePermission, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { RemoveIpAddresses = new[] { "203.0.113.7" } }, h.Proof(desk.Seed)));

        Assert.Single(h.Authority.Keys.Get(key.KeyId).IpBinding);
        Assert.Equal(auditBefore, h.AuditCount());
    }

    [Fact]
    public void Update_RemovingTheLastAddressOfAWithdrawKeyWithOverride_IsRecorded()
    {
        var key = h.CreateKey(desk, "mover", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "203.0.113.7" } }).Key;

        Update(key, new KeyChanges { IpAddresses = Array.Empty<string>(), AllowUnboundSensitive = true });

        var stored = h.Authority.Keys.Get(key.KeyId);
        Assert.Empty(stored.IpBinding);
        Assert.True(stored.UnboundSensitiveAllowed);
        Assert.Contains("UnboundSensitiveOverride=True", h.Audit().Single(a => a.Action == "ApiKey.Update").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_BindingAKeyThatWasUnboundByOverride_ClearsTheOverride()
    {
        var key = h.CreateKey(desk, "mover", r => r with { Permissions = ApiKeyPermission.Transfer, AllowUnboundSensitive = true }).Key;

        Update(key, new KeyChanges { AddIpAddresses = new[] { "203.0.113.7" } });

        Assert.False(h.Authority.Keys.Get(key.KeyId).UnboundSensitiveAllowed);
    }

    [Fact]
    public void Update_With21Addresses_RefusesWithTooManyIpAddresses()
    {
        var key = h.CreateKey(desk, "bot", r => r with { IpAddresses = new[] { "203.0.113.1" } }).Key;
        var twentyOne = Enumerable.Range(1, 21).Select(i => $"198.51.100.{i}").ToArray();

        Refusal.Expect(KeyAdminError.TooManyIpAddresses, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { IpAddresses = twentyOne }, h.Proof(desk.Seed)));
        Refusal.Expect(KeyAdminError.TooManyIpAddresses, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { AddIpAddresses = twentyOne[..20] }, h.Proof(desk.Seed)));

        Assert.Equal(new[] { "203.0.113.1" }, h.Authority.Keys.Get(key.KeyId).IpBinding.Select(r => r.ToString()));
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
    }

    [Fact]
    public void Create_With20Addresses_IsAcceptedAnd21AreRefused()
    {
        var addresses = Enumerable.Range(1, 21).Select(i => $"198.51.100.{i}").ToArray();

        Refusal.Expect(KeyAdminError.TooManyIpAddresses, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot", IpAddresses = addresses }, h.Proof(desk.Seed)));
        var key = h.CreateKey(desk, "bot", r => r with { IpAddresses = addresses[..20] }).Key;

        Assert.Equal(20, h.Authority.Keys.Get(key.KeyId).IpBinding.Count);
    }

    [Fact]
    public void Create_WithAnInvalidAddress_RefusesWithInvalidIpAddressNamingIt()
    {
        var e = Refusal.Expect(KeyAdminError.InvalidIpAddress, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "bot", IpAddresses = new[] { "203.0.113.7", "10.0.0.1/24" } }, h.Proof(desk.Seed)));

        Assert.Equal("10.0.0.1/24", e.Target);
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Store_RefusesAChangeOfPermissionsThroughTheContract()
    {
        var key = h.CreateKey(desk, "bot").Key;

        Refusal.Expect(KeyAdminError.PermissionsImmutable, () => h.Store.Write(tx =>
        {
            tx.UpdateKey(key with { Permissions = ApiKeyPermissions.All });
            return 0;
        }));

        Assert.Equal(ApiKeyPermission.Read, h.Authority.Keys.Get(key.KeyId).Permissions);
    }

    [Fact]
    public void Database_RefusesADirectSqlChangeOfPermissions()
    {
        var key = h.CreateKey(desk, "bot").Key;

        var e = Assert.Throws<RawDbException>(() => RawDb.Execute(h.StorePath, $"UPDATE api_keys SET permissions = 15 WHERE key_id = '{key.KeyId}'"));

        Assert.Contains("KeyAdmin.PermissionsImmutable", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, RawDb.Scalar(h.StorePath, $"SELECT permissions FROM api_keys WHERE key_id = '{key.KeyId}'"));
        Assert.Equal(ApiKeyPermission.Read, h.Authority.Keys.Get(key.KeyId).Permissions);
    }

    [Fact]
    public void Database_RefusesADirectSqlChangeOfADeletedKey()
    {
        var key = h.CreateAndRemoveKey(desk, "bot");

        var e = Assert.Throws<RawDbException>(() => RawDb.Execute(h.StorePath, $"UPDATE api_keys SET status = 'Enabled' WHERE key_id = '{key.KeyId}'"));

        Assert.Contains("KeyAdmin.KeyDeleted", e.Message, StringComparison.Ordinal);
        Assert.Equal(ApiKeyStatus.Deleted, h.Authority.Keys.Get(key.KeyId).StoredStatus);
    }

    [Fact]
    public void Store_RefusesAnUpdateOfADeletedKeyThroughTheContract()
    {
        var key = h.CreateAndRemoveKey(desk, "bot");

        Refusal.Expect(KeyAdminError.KeyDeleted, () => h.Store.Write(tx =>
        {
            tx.UpdateKey(key with { StoredStatus = ApiKeyStatus.Enabled, DeletedAt = null });
            return 0;
        }));

        Assert.Equal(ApiKeyStatus.Deleted, h.Authority.Keys.Get(key.KeyId).StoredStatus);
    }

    [Fact]
    public void UnknownKey_IsRefusedWithKeyNotFound()
    {
        Refusal.Expect(KeyAdminError.KeyNotFound, () => h.Authority.Keys.Get("kak_doesnotexist"));
        Refusal.Expect(KeyAdminError.KeyNotFound, () => h.Authority.Keys.Disable("kak_doesnotexist", null));
        Refusal.Expect(KeyAdminError.KeyNotFound, () => h.Authority.Keys.Get("desk", "nothing"));
    }

    [Fact]
    public void AccountRemove_WhileItHoldsKeys_RefusesWithAccountHasKeys_AndAfterDeletionSucceeds()
    {
        var key = h.CreateKey(desk, "bot").Key;

        Refusal.Expect(KeyAdminError.AccountHasKeys, () => h.Authority.Accounts.Remove("desk", h.Proof(desk.Seed)));

        h.Authority.Keys.Disable(key.KeyId, null);
        h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed));
        h.NextStep();
        h.Authority.Accounts.Remove("desk", h.Proof(desk.Seed));
        Assert.Empty(h.Authority.Accounts.List());
        Assert.Contains(h.Audit(), a => a.Action == "ApiKey.Remove" && a.KeyId == key.KeyId && a.Outcome == AuditOutcome.Succeeded);
    }
}
