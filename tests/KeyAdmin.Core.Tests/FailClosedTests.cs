using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>A change whose audit record cannot be written does not happen.</summary>
public sealed class FailClosedTests : IDisposable
{
#if POSTGRES
    private const string BreakAudit =
        "CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no audit'; END $$; " +
        "CREATE TRIGGER audit_fail BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_fail();";
    private const string RepairAudit = "DROP TRIGGER audit_fail ON audit; DROP FUNCTION audit_fail();";
#else
    private const string BreakAudit = "CREATE TRIGGER audit_fail BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no audit'); END;";
    private const string RepairAudit = "DROP TRIGGER audit_fail;";
#endif
    private static readonly string[] Tables = { "api_keys", "accounts", "authenticators", "policy", "audit" };
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public FailClosedTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    private string Snapshot() => string.Join("\n--\n", Tables.Select(t => RawDb.Dump(h.StorePath, t)));

    [Fact]
    public void Create_WhenTheAuditCannotBeWritten_RefusesWithAuditWriteFailedAndDoesNotSpendTheCode()
    {
        RawDb.Execute(h.StorePath, BreakAudit);
        var before = Snapshot();
        var code = h.Code(desk.Seed);

        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(code)));

        Assert.Equal(before, Snapshot());
        RawDb.Execute(h.StorePath, RepairAudit);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(code));
        Assert.Equal(1, h.LiveKeyCount("desk"));
        Assert.Contains(h.Audit(), a => a.Action == "ApiKey.Create");
    }

    [Fact]
    public void DisableAndUpdate_WhenTheAuditCannotBeWritten_RefuseWithAuditWriteFailedAndChangeNothing()
    {
        var key = h.CreateKey(desk, "bot", r => r with { IpAddresses = new[] { "203.0.113.7" } }).Key;
        RawDb.Execute(h.StorePath, BreakAudit);
        var before = Snapshot();

        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Keys.Disable(key.KeyId, "x"));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { Memo = "new memo", NewName = "renamed" }, TwoFactorProof.FromCode(null)));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Keys.Update(key.KeyId, new KeyChanges { AddIpAddresses = new[] { "203.0.113.8" } }, h.Proof(desk.Seed)));

        Assert.Equal(before, Snapshot());
        RawDb.Execute(h.StorePath, RepairAudit);
        h.Authority.Keys.Disable(key.KeyId, "x");
        Assert.Equal(ApiKeyStatus.Disabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);
    }

    [Fact]
    public void EnableRemoveAccountsAndPolicy_WhenTheAuditCannotBeWritten_RefuseWithAuditWriteFailedAndChangeNothing()
    {
        var key = h.CreateKey(desk, "bot").Key;
        h.Authority.Keys.Disable(key.KeyId, "x");
        h.CreateKey(desk, "other");
        var administrator = h.StoreAdministratorSeed;
        RawDb.Execute(h.StorePath, BreakAudit);
        var before = Snapshot();

        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Keys.Enable(key.KeyId, h.Proof(desk.Seed)));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed)));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Accounts.Create("ops", "ops@example.com"));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Authenticators.Register("desk", "job", h.Proof(desk.Seed)));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Authenticators.Reset("desk", "lost"));
        Refusal.Expect(KeyAdminError.AuditWriteFailed, () => h.Authority.Policy.Set(p => p with { MaxKeysPerAccount = 9 }, h.Proof(administrator)));

        Assert.Equal(before, Snapshot());
        Assert.NotNull(h.Store.Read(r => r.ReadSealedSecret(key.KeyId)));
    }

    [Fact]
    public void RefusedCode_WhenTheAuditCannotBeWritten_IsStillRefused()
    {
        RawDb.Execute(h.StorePath, BreakAudit);

        var e = Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(h.WrongCode(desk.Seed))));

        Assert.Contains(e.Error, new[] { KeyAdminError.AuditWriteFailed, KeyAdminError.TwoFactorCodeInvalid });
        RawDb.Execute(h.StorePath, RepairAudit);
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }
}
