using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>Each compliance rule at its boundary: a threshold of N days is met at N days, not at N-1.</summary>
public sealed class ComplianceTests
{
    private static readonly DateTimeOffset Created = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ComplianceOptions Defaults = new();

    [Theory]
    [InlineData(ApiKeyPermission.Read | ApiKeyPermission.Withdraw, ComplianceRule.UnboundSensitive, ComplianceSeverity.High)]
    [InlineData(ApiKeyPermission.Read | ApiKeyPermission.Transfer, ComplianceRule.UnboundSensitive, ComplianceSeverity.High)]
    [InlineData(ApiKeyPermission.Read | ApiKeyPermission.Trade, ComplianceRule.UnboundTrade, ComplianceSeverity.Medium)]
    [InlineData(ApiKeyPermission.Read, ComplianceRule.Unbound, ComplianceSeverity.Low)]
    public void UnboundKey_IsReportedOnceWithTheSeverityOfItsMostSensitivePermission(ApiKeyPermission permissions, ComplianceRule rule, ComplianceSeverity severity)
    {
        var findings = Review(Key(permissions), Created.AddDays(1));

        var finding = Assert.Single(findings);
        Assert.Equal((rule, severity), (finding.Rule, finding.Severity));
        Assert.Equal(Created, finding.Since);
    }

    [Fact]
    public void BoundKey_HasNoBindingFinding()
    {
        Assert.Empty(Review(Key(ApiKeyPermission.Withdraw, bound: true), Created.AddDays(1)));
    }

    [Theory]
    [InlineData(89, false)]
    [InlineData(90, true)]
    public void Unused_IsReportedFromNinetyDaysAfterLastUse(int days, bool reported)
    {
        var key = Key(ApiKeyPermission.Read, bound: true) with { CreatedAt = Created.AddDays(-500), LastUsedAt = Created };

        var findings = Review(key, Created.AddDays(days), new ComplianceOptions { Rules = new HashSet<ComplianceRule> { ComplianceRule.Unused } });

        Assert.Equal(reported, findings.Any(f => f.Rule == ComplianceRule.Unused && f.Since == Created));
    }

    [Fact]
    public void Unused_NeverUsedKey_CountsFromCreation()
    {
        var findings = Review(Key(ApiKeyPermission.Read, bound: true), Created.AddDays(90), Only(ComplianceRule.Unused));

        Assert.Contains("never been used", Assert.Single(findings).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(89, false)]
    [InlineData(90, true)]
    public void RotationDue_IsReportedAtTheRotationAge(int days, bool reported)
    {
        var key = Key(ApiKeyPermission.Read, bound: true) with { LastUsedAt = Created.AddDays(days) };

        Assert.Equal(reported, Review(key, Created.AddDays(days), Only(ComplianceRule.RotationDue)).Any());
    }

    [Fact]
    public void RotationAge_IsAParameter()
    {
        var key = Key(ApiKeyPermission.Read, bound: true);

        Assert.Single(Review(key, Created.AddDays(30), Only(ComplianceRule.RotationDue) with { RotationAgeDays = 30 }));
        Assert.Empty(Review(key, Created.AddDays(29), Only(ComplianceRule.RotationDue) with { RotationAgeDays = 30 }));
    }

    [Theory]
    [InlineData(15, false)]
    [InlineData(14, true)]
    [InlineData(1, true)]
    public void ExpiringSoon_IsReportedFourteenDaysBeforeExpiry(int daysLeft, bool reported)
    {
        var key = Key(ApiKeyPermission.Read, bound: true) with { ExpiresAt = Created.AddDays(100) };

        Assert.Equal(reported, Review(key, Created.AddDays(100 - daysLeft), Only(ComplianceRule.ExpiringSoon)).Any());
    }

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, true)]
    public void DisabledNotDeleted_IsReportedThirtyDaysAfterDisable(int days, bool reported)
    {
        var disabledAt = Created.AddDays(10);
        var key = Key(ApiKeyPermission.Read, bound: true) with { StoredStatus = ApiKeyStatus.Disabled, DisabledAt = disabledAt };

        var findings = Review(key, disabledAt.AddDays(days));

        Assert.Equal(reported, findings.Any(f => f.Rule == ComplianceRule.NotDeleted && f.Since == disabledAt));
        Assert.DoesNotContain(findings, f => f.Rule != ComplianceRule.NotDeleted);
    }

    [Fact]
    public void ExpiredNotDeleted_CountsFromExpiry()
    {
        var expires = Created.AddDays(30);
        var key = Key(ApiKeyPermission.Withdraw) with { ExpiresAt = expires };

        var findings = Review(key, expires.AddDays(30));

        Assert.Equal(ComplianceRule.NotDeleted, Assert.Single(findings).Rule);
    }

    [Fact]
    public void AccountAtItsLimit_IsReported()
    {
        var account = new Account { AccountId = "a", Name = "desk", Email = "d@example.com", CreatedAt = Created, CreatedBy = "t" };

        Assert.Single(ComplianceReview.ForAccount(new AccountSummary(account, 5, 5, true, 10), Created, Defaults));
        Assert.Empty(ComplianceReview.ForAccount(new AccountSummary(account, 4, 5, true, 10), Created, Defaults));
    }

    [Fact]
    public void Review_OverTheStore_StreamsFindingsForEveryAccountAndKey()
    {
        using var h = new Harness();
        var desk = h.NewAccount();
        h.CreateKey(desk, "withdrawer", r => r with { Permissions = ApiKeyPermission.Withdraw, AllowUnboundSensitive = true });
        h.CreateKey(desk, "bound", r => r with { IpAddresses = new[] { "203.0.113.7" } });
        long examined = 0;

        var findings = h.Authority.Compliance.Review(new ComplianceOptions(), progress: n => examined = n).ToList();

        Assert.Equal(2, examined);
        var high = Assert.Single(findings, f => f.Severity == ComplianceSeverity.High);
        Assert.Equal(("desk", "withdrawer"), (high.Account, high.KeyName));
        Assert.DoesNotContain(findings, f => f.KeyName == "bound");
    }

    [Fact]
    public void KeyRetiredByARotation_InItsGraceWindow_IsNeitherRotationDueNorExpiringSoon()
    {
        // A 200-day-old key that a rotation retired an hour ago with a one-day grace period: still enabled, expiring
        // tomorrow, and RotatedTo names its successor. Rotating it again, or warning that it expires, is wrong.
        var now = Created.AddDays(200);
        var retired = Key(ApiKeyPermission.Read, bound: true) with { ExpiresAt = now.AddDays(1), RotatedTo = "kak_successor", LastUsedAt = now };
        var notRetired = retired with { RotatedTo = null };

        var rules = new ComplianceOptions { Rules = new HashSet<ComplianceRule> { ComplianceRule.RotationDue, ComplianceRule.ExpiringSoon } };

        Assert.Empty(Review(retired, now, rules));
        Assert.Equal(new[] { ComplianceRule.RotationDue, ComplianceRule.ExpiringSoon }, Review(notRetired, now, rules).Select(f => f.Rule));
    }

    private static ComplianceOptions Only(ComplianceRule rule) => new() { Rules = new HashSet<ComplianceRule> { rule } };

    private static List<ComplianceFinding> Review(ApiKey key, DateTimeOffset now, ComplianceOptions? options = null) =>
        ComplianceReview.ForKey(key, now, options ?? Defaults).ToList();

    private static ApiKey Key(ApiKeyPermission permissions, bool bound = false) => new()
    {
        KeyId = KeyTokens.NewKeyId(),
        AccountId = "a",
        AccountName = "desk",
        Name = "bot",
        Permissions = permissions | ApiKeyPermission.Read,
        IpBinding = bound ? new[] { IpRule.Parse("203.0.113.7") } : Array.Empty<IpRule>(),
        StoredStatus = ApiKeyStatus.Enabled,
        CreatedAt = Created,
        CreatedBy = "tester",
    };
}

/// <summary>The rules that look at rotations and vaults, over a real store and a file vault.</summary>
public sealed class ComplianceStoreTests : IDisposable
{
    private readonly Harness h = new();
    private readonly FileVault vault;
    private readonly TestAccount desk;

    public ComplianceStoreTests()
    {
        vault = new FileVault(Path.Combine(h.Folder, "vault.json"), "Prod");
        desk = h.NewAccount();
    }

    [Fact]
    public void Review_RotationStoppedPartWay_IsAnUnfinishedRotation()
    {
        var key = h.Authority.Keys.CreateAndDeliver(new NewKeyRequest { Account = "desk", Name = "bot", IpAddresses = new[] { "203.0.113.7" } }, h.Proof(desk.Seed), vault, "bot").Key;
        h.NextStep();
        KeyAdmin.Core.Authority.RotationService.AfterStep = step => { if (step == KeyAdmin.Core.Rotation.RotationState.Delivered) { throw new InvalidOperationException("stopped"); } };
        try
        {
            Assert.Throws<InvalidOperationException>(() => h.Authority.Rotations.Rotate(key.KeyId, new(), h.Proof(desk.Seed), _ => vault, null));
        }
        finally
        {
            KeyAdmin.Core.Authority.RotationService.AfterStep = null;
        }

        var finding = Assert.Single(h.Authority.Compliance.Review(Only(ComplianceRule.UnfinishedRotation)));
        Assert.Equal((ComplianceSeverity.Medium, key.KeyId), (finding.Severity, finding.KeyId));
    }

    [Fact]
    public void Review_WithVault_FindsKeysWhoseEntryIsGoneAndEntriesWhoseKeyIsGone()
    {
        // One code confirms the three creations, as one command's code does.
        var proof = h.Proof(desk.Seed);
        var kept = h.Authority.Keys.CreateAndDeliver(new NewKeyRequest { Account = "desk", Name = "kept", IpAddresses = new[] { "203.0.113.7" } }, proof, vault, "kept").Key;
        var lost = h.Authority.Keys.CreateAndDeliver(new NewKeyRequest { Account = "desk", Name = "lost", IpAddresses = new[] { "203.0.113.7" } }, proof, vault, "lost").Key;
        var stale = h.Authority.Keys.CreateAndDeliver(new NewKeyRequest { Account = "desk", Name = "stale", IpAddresses = new[] { "203.0.113.7" } }, proof, vault, "stale").Key;
        vault.Remove("lost");
        h.Authority.Keys.Disable(stale.KeyId, "retired");

        var findings = h.Authority.Compliance.Review(Only(ComplianceRule.VaultEntryMissing, ComplianceRule.VaultEntryOrphaned), vault: vault).ToList();

        Assert.Equal(lost.KeyId, Assert.Single(findings, f => f.Rule == ComplianceRule.VaultEntryMissing).KeyId);
        Assert.Equal(stale.KeyId, Assert.Single(findings, f => f.Rule == ComplianceRule.VaultEntryOrphaned).KeyId);
        Assert.DoesNotContain(findings, f => f.KeyId == kept.KeyId);
    }

    public void Dispose() => h.Dispose();

    private static ComplianceOptions Only(params ComplianceRule[] rules) => new() { Rules = rules.ToHashSet() };
}
