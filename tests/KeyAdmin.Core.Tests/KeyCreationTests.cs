using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>New key: R1 (2FA), R3 (permissions), R4 (limit), R5/R6 (binding), R7 (labels), R14 (expiry).</summary>
public sealed class KeyCreationTests : IDisposable
{
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public KeyCreationTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    [Fact]
    public void Create_RecordsWhatWasAskedFor_AndAuditsIt()
    {
        var issued = h.CreateKey(desk, "bot-a", r => r with
        {
            Permissions = ApiKeyPermission.Trade,
            IpAddresses = new[] { "203.0.113.7", "10.0.0.0/24" },
            Memo = "Bot Trading – Server A",
        });

        var key = h.Authority.Keys.Get(issued.Key.KeyId);
        Assert.Equal("bot-a", key.Name);
        Assert.Equal("desk", key.AccountName);
        Assert.Equal("Bot Trading – Server A", key.Memo);
        Assert.Equal(ApiKeyPermission.Read | ApiKeyPermission.Trade, key.Permissions);
        Assert.Equal(new[] { "203.0.113.7", "10.0.0.0/24" }, key.IpBinding.Select(r => r.ToString()));
        Assert.Equal(ApiKeyStatus.Enabled, key.StoredStatus);
        Assert.Equal("tester@host", key.CreatedBy);
        Assert.Equal(h.Now - TimeSpan.FromSeconds(30), key.CreatedAt);
        Assert.Null(key.ExpiresAt);
        Assert.False(key.UnboundSensitiveAllowed);

        var audit = h.Audit().Single(a => a.Action == "ApiKey.Create");
        Assert.Equal(key.KeyId, audit.KeyId);
        Assert.Equal(AuditOutcome.Succeeded, audit.Outcome);
        Assert.Equal("primary", audit.ConfirmedBy);
        Assert.Equal("tester", audit.Actor);
        Assert.Equal("host", audit.ActorHost);
    }

    [Theory]
    [InlineData(ApiKeyPermission.Trade)]
    [InlineData((ApiKeyPermission)0)]
    [InlineData(ApiKeyPermission.Read)]
    public void Create_AlwaysIncludesRead(ApiKeyPermission asked)
    {
        var key = h.CreateKey(desk, "bot", r => r with { Permissions = asked }).Key;

        Assert.True(key.Permissions.HasFlag(ApiKeyPermission.Read));
        Assert.True(h.Authority.Keys.Get(key.KeyId).Permissions.HasFlag(ApiKeyPermission.Read));
    }

    [Theory]
    [InlineData(ApiKeyPermission.Transfer)]
    [InlineData(ApiKeyPermission.Withdraw)]
    [InlineData(ApiKeyPermission.Trade | ApiKeyPermission.Withdraw)]
    public void Create_SensitiveWithoutBinding_RefusesWithUnboundSensitivePermission(ApiKeyPermission asked)
    {
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.UnboundSensitivePermission, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "mover", Permissions = asked }, h.Proof(desk.Seed)));

        Assert.Equal(0, h.LiveKeyCount("desk"));
        Assert.Equal(auditBefore, h.AuditCount());
    }

    [Fact]
    public void Create_SensitiveWithBinding_IsAcceptedWithoutOverride()
    {
        var key = h.CreateKey(desk, "mover", r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "198.51.100.1" } }).Key;

        Assert.False(key.UnboundSensitiveAllowed);
        Assert.DoesNotContain("UnboundSensitiveOverride", h.Audit().Single(a => a.Action == "ApiKey.Create").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SensitiveWithoutBindingAndWithOverride_IsRecordedOnTheKeyAndInTheAudit()
    {
        var key = h.CreateKey(desk, "mover", r => r with { Permissions = ApiKeyPermission.Transfer, AllowUnboundSensitive = true }).Key;

        Assert.True(h.Authority.Keys.Get(key.KeyId).UnboundSensitiveAllowed);
        Assert.Contains("UnboundSensitiveOverride=True", h.Audit().Single(a => a.Action == "ApiKey.Create").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WhenAccountHoldsFiveKeys_RefusesWithKeyLimitReachedAndWritesNothing()
    {
        for (var i = 1; i <= 5; i++)
        {
            h.CreateKey(desk, "key" + i);
        }

        var auditBefore = h.AuditCount();
        var keysBefore = RawDb.Dump(h.StorePath, "api_keys");
        var accountsBefore = RawDb.Dump(h.StorePath, "accounts");
        var authenticatorsBefore = RawDb.Dump(h.StorePath, "authenticators");

        var e = Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "key6" }, h.Proof(desk.Seed)));

        Assert.Equal("desk", e.Target);
        Assert.Equal(auditBefore, h.AuditCount());
        Assert.Equal(keysBefore, RawDb.Dump(h.StorePath, "api_keys"));
        Assert.Equal(accountsBefore, RawDb.Dump(h.StorePath, "accounts"));
        Assert.Equal(authenticatorsBefore, RawDb.Dump(h.StorePath, "authenticators"));
    }

    [Fact]
    public void Create_WhenFiveKeysAreDisabled_StillRefusesWithKeyLimitReached()
    {
        for (var i = 1; i <= 5; i++)
        {
            var key = h.CreateKey(desk, "key" + i).Key;
            h.Authority.Keys.Disable(key.KeyId, "parked");
        }

        Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "key6" }, h.Proof(desk.Seed)));
        Assert.Equal(5, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_AfterADeletedKey_DoesNotCountTheDeletedOne()
    {
        for (var i = 1; i <= 4; i++)
        {
            h.CreateKey(desk, "key" + i);
        }

        h.CreateAndRemoveKey(desk, "key5");

        h.CreateKey(desk, "key5"); // the name of a deleted key is free again, and the slot too
        Assert.Equal(5, h.LiveKeyCount("desk"));
        Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "key6" }, h.Proof(desk.Seed)));
    }

    [Fact]
    public void Create_WhenThePolicyLowersTheLimit_RefusesAtTheNewLimit()
    {
        h.SetPolicy(p => p with { MaxKeysPerAccount = 2 });
        h.CreateKey(desk, "a");
        h.CreateKey(desk, "b");

        Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "c" }, h.Proof(desk.Seed)));
        Assert.Equal(2, h.Authority.Accounts.List().Single().KeyLimit);
    }

    [Fact]
    public void Create_WhenThePolicyRaisesTheLimit_AllowsMoreThanFive()
    {
        h.SetPolicy(p => p with { MaxKeysPerAccount = 7 });
        for (var i = 1; i <= 7; i++)
        {
            h.CreateKey(desk, "key" + i);
        }

        Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "key8" }, h.Proof(desk.Seed)));
        Assert.Equal(7, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_WhenTheLimitIsLoweredBelowTheCount_KeepsExistingKeysButRefusesNewOnes()
    {
        for (var i = 1; i <= 3; i++)
        {
            h.CreateKey(desk, "key" + i);
        }

        h.SetPolicy(p => p with { MaxKeysPerAccount = 1 });

        Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "key4" }, h.Proof(desk.Seed)));
        Assert.Equal(3, h.LiveKeyCount("desk"));
    }

    [Theory]
    [InlineData("bot-a")]
    [InlineData("BOT-A")]
    [InlineData("  Bot-A  ")]
    public void Create_WithANameTheAccountAlreadyUses_RefusesWithKeyNameExists(string name)
    {
        h.CreateKey(desk, "bot-a");

        Refusal.Expect(KeyAdminError.KeyNameExists, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = name }, h.Proof(desk.Seed)));
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_WithTheSameNameInAnotherAccount_IsAccepted()
    {
        var ops = h.NewAccount("ops");
        h.CreateKey(desk, "bot");

        h.CreateKey(ops, "bot");

        Assert.Equal(1, h.LiveKeyCount("ops"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bot*")]
    [InlineData("line\nbreak")]
    public void Create_WithAnInvalidName_RefusesWithInvalidName(string name)
    {
        Refusal.Expect(KeyAdminError.InvalidName, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = name }, h.Proof(desk.Seed)));
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_ForAnUnknownAccount_RefusesWithAccountNotFound()
    {
        Refusal.Expect(KeyAdminError.AccountNotFound, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "nobody", Name = "bot" }, h.Proof(desk.Seed)));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(90)]
    [InlineData(180)]
    [InlineData(360)]
    public void Create_WithExpiryInAllowedDays_ExpiresThatManyDaysAfterCreation(int days)
    {
        var createdAt = h.Now;

        var key = h.CreateKey(desk, "bot", r => r with { ExpiresInDays = days }).Key;

        Assert.Equal(createdAt.AddDays(days), key.ExpiresAt);
        Assert.Equal(createdAt.AddDays(days), h.Authority.Keys.Get(key.KeyId).ExpiresAt);
    }

    [Fact]
    public void Create_WithExpiryInDays_CountsFromTheCreation_NotFromBeforeTheCodePrompt()
    {
        // The administrator takes ten minutes to find the phone: the key is made after that, and expires 90 days later.
        var asked = h.Now;
        var proof = new TwoFactorProof(new SlowPerson(h, desk.Seed, TimeSpan.FromMinutes(10)));

        var key = h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot", ExpiresInDays = 90 }, proof).Key;

        Assert.Equal(key.CreatedAt.AddDays(90), key.ExpiresAt);
        Assert.Equal(asked.AddMinutes(10), key.CreatedAt);
    }

    [Fact]
    public void Create_WhenAccountIsFull_AdvisesWhatFreesAPlace_NotARotation()
    {
        for (var i = 1; i <= 5; i++)
        {
            h.CreateKey(desk, "key" + i);
        }

        var e = Refusal.Expect(KeyAdminError.KeyLimitReached, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "key6" }, h.Proof(desk.Seed)));

        // A rotation of a full account is refused too (the successor needs a place), so it is no advice here.
        Assert.DoesNotContain("rotate", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Remove-ApiKey", e.Message, StringComparison.Ordinal);
        Assert.Contains("-KeyLimit", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Answers the code prompt after <c>delay</c> of the test clock, with the code of that moment.</summary>
    private sealed class SlowPerson(Harness harness, byte[] seed, TimeSpan delay) : ITwoFactorCodeSource
    {
        public string GetCode(string accountName, string operation)
        {
            harness.Clock.Advance(delay);
            return harness.Code(seed);
        }
    }

    [Fact]
    public void Create_WithExpiryDate_ExpiresAtThatDate()
    {
        var at = new DateTimeOffset(2030, 6, 30, 17, 0, 0, TimeSpan.FromHours(2));

        var key = h.CreateKey(desk, "bot", r => r with { ExpiresAt = at }).Key;

        Assert.Equal(at, h.Authority.Keys.Get(key.KeyId).ExpiresAt);
    }

    [Theory]
    [InlineData(45)]
    [InlineData(0)]
    [InlineData(-30)]
    [InlineData(365)]
    public void Create_WithExpiryInOtherDays_RefusesWithInvalidExpiry(int days)
    {
        Refusal.Expect(KeyAdminError.InvalidExpiry, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot", ExpiresInDays = days }, h.Proof(desk.Seed)));
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_WithBothExpiryDaysAndDate_RefusesWithInvalidExpiry()
    {
        Refusal.Expect(KeyAdminError.InvalidExpiry, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "bot", ExpiresInDays = 30, ExpiresAt = h.Now.AddDays(5) }, h.Proof(desk.Seed)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Create_WithExpiryDateNotInTheFuture_RefusesWithExpiryInPast(int seconds)
    {
        Refusal.Expect(KeyAdminError.ExpiryInPast, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "bot", ExpiresAt = h.Now.AddSeconds(seconds) }, h.Proof(desk.Seed)));
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Status_IsExpiredFromTheExpiryInstant_WithoutAnyWrite()
    {
        var key = h.CreateKey(desk, "bot", r => r with { ExpiresInDays = 30 }).Key;
        var expires = key.ExpiresAt!.Value;

        Assert.Equal(ApiKeyStatus.Enabled, key.StatusAt(expires - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(ApiKeyStatus.Expired, key.StatusAt(expires));

        h.Clock.SetUtcNow(expires - TimeSpan.FromSeconds(1));
        Assert.Equal(ApiKeyStatus.Enabled, h.Authority.Keys.Get(key.KeyId).StatusAt(h.Now));
        h.Clock.SetUtcNow(expires);
        Assert.Equal(ApiKeyStatus.Expired, h.Authority.Keys.Get(key.KeyId).StatusAt(h.Now));
        Assert.Equal(ApiKeyStatus.Enabled, h.Authority.Keys.Get(key.KeyId).StoredStatus);
    }

    [Fact]
    public void Create_ReturnsTheSecretOnce_AndNoListingCarriesIt()
    {
        var issued = h.CreateKey(desk, "bot");
        var secret = Harness.Reveal(issued.Secret);

        Assert.True(KeyTokens.IsWellFormedSecret(secret), "the issued secret is not a well-formed token");
        Assert.True(issued.Secret.IsReadOnly());
        var listed = h.Authority.Keys.List("desk").Single();
        Assert.False(listed.ToString().Contains(secret, StringComparison.Ordinal), "a listed key shows its secret");
        Assert.DoesNotContain(h.Audit(), a => a.ToString().Contains(secret, StringComparison.Ordinal));
    }
}
