using System.Text;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>R12: RFC 6238 codes, the ±1 step window, once-only acceptance and malformed codes.</summary>
public sealed class TotpTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Theory]
    [InlineData(59L, "287082")]          // RFC 6238 appendix B, SHA-1: 94287082
    [InlineData(1111111109L, "081804")]  // 07081804
    [InlineData(1111111111L, "050471")]  // 14050471
    [InlineData(1234567890L, "005924")]  // 89005924
    [InlineData(2000000000L, "279037")]  // 69279037
    public void ComputeCode_MatchesTheRfc6238Sha1TestVectors(long unixSeconds, string expected)
    {
        var seed = Encoding.ASCII.GetBytes("12345678901234567890");
        var at = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

        Assert.Equal(expected, Totp.ComputeCode(seed, at));
        Assert.Equal(Totp.StepAt(at), Totp.MatchStep(seed, expected, at));
    }

    [Fact]
    public void FromBase32_ReadsTheSeedAsAnAuthenticatorAppWould()
    {
        // "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" is the base32 of the RFC seed: what a user types into the app.
        var seed = Totp.FromBase32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq");

        Assert.Equal(Encoding.ASCII.GetBytes("12345678901234567890"), seed);
        Assert.Equal("287082", Totp.ComputeCode(seed, DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    [Fact]
    public void Enrollment_IsGoogleAuthenticatorCompatible()
    {
        var enrollment = h.Authority.Accounts.Create("desk", "desk@example.com");
        var uri = Harness.Reveal(enrollment.OtpAuthUri);
        var seed = Harness.SeedOf(enrollment);

        Assert.True(uri.StartsWith("otpauth://totp/KeyAdmin%3Adesk?", StringComparison.Ordinal), "the URI is not a Key URI for the account");
        Assert.True(uri.Contains("secret=" + Totp.ToBase32(seed) + "&", StringComparison.Ordinal), "the URI does not carry the enrolment seed");
        Assert.Contains("algorithm=SHA1", uri, StringComparison.Ordinal);
        Assert.Contains("digits=6", uri, StringComparison.Ordinal);
        Assert.Contains("period=30", uri, StringComparison.Ordinal);
        Assert.Equal(20, seed.Length);
        Assert.Equal(AuthenticatorStatus.Pending, enrollment.Status);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void Create_WithACodeOneStepAway_IsAccepted(int steps)
    {
        var account = h.NewAccount();
        h.NextStep(); // so that the step before now is later than the one that confirmed the enrolment
        var code = h.CodeAt(account.Seed, TimeSpan.FromSeconds(steps * 30));

        var issued = h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(code));

        Assert.Equal("bot", issued.Key.Name);
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    public void Create_WithACodeTwoStepsAway_RefusesWithTwoFactorCodeInvalid(int steps)
    {
        var account = h.NewAccount();
        var code = h.CodeAt(account.Seed, TimeSpan.FromSeconds(steps * 30));
        Assert.True(code != h.Code(account.Seed), "the codes of the two steps collide; the test would mean nothing");

        Refusal.Expect(KeyAdminError.TwoFactorCodeInvalid, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(code)));

        Assert.Equal(0, h.LiveKeyCount("desk"));
        Assert.Equal(1, h.AccountRecord("desk").FailedCodeCount);
    }

    [Fact]
    public void Create_WithACodeAlreadyAccepted_RefusesWithTwoFactorCodeReplayed()
    {
        var account = h.NewAccount();
        var code = h.Code(account.Seed);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "first" }, TwoFactorProof.FromCode(code));

        Refusal.Expect(KeyAdminError.TwoFactorCodeReplayed, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "second" }, TwoFactorProof.FromCode(code)));

        Assert.Equal(new[] { "first" }, h.Authority.Keys.List("desk").Select(k => k.Name));
        var refusal = h.Audit().Last();
        Assert.Equal("ApiKey.Create", refusal.Action);
        Assert.Equal(Audit.AuditOutcome.Refused, refusal.Outcome);
        Assert.Equal(nameof(KeyAdminError.TwoFactorCodeReplayed), refusal.Reason);
    }

    [Fact]
    public void Create_WithACodeOfAnOlderStepThanOneAccepted_RefusesWithTwoFactorCodeReplayed()
    {
        var account = h.NewAccount();
        var newer = h.CodeAt(account.Seed, TimeSpan.FromSeconds(30));
        var older = h.Code(account.Seed);
        h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "first" }, TwoFactorProof.FromCode(newer));

        Refusal.Expect(KeyAdminError.TwoFactorCodeReplayed, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "second" }, TwoFactorProof.FromCode(older)));

        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_WithTheNextStepsCode_AfterOneAccepted_IsAccepted()
    {
        var account = h.NewAccount();
        h.CreateKey(account, "first");

        h.CreateKey(account, "second");

        Assert.Equal(2, h.LiveKeyCount("desk"));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("abcdef")]
    [InlineData("")]
    [InlineData(" 123456")]
    [InlineData("١٢٣٤٥٦")] // Arabic-Indic digits are digits, but not ASCII ones
    public void Create_WithAMalformedCode_RefusesWithTwoFactorCodeMalformedAndCountsNoFailure(string code)
    {
        h.NewAccount();
        var auditBefore = h.AuditCount();

        Refusal.Expect(KeyAdminError.TwoFactorCodeMalformed, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(code)));

        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
        Assert.Equal(auditBefore, h.AuditCount());
        Assert.Equal(0, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Create_WhenTheCodeSourceAnswersNull_RefusesWithTwoFactorCodeMalformedAndCountsNoFailure()
    {
        h.NewAccount();

        Refusal.Expect(KeyAdminError.TwoFactorCodeMalformed, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, new TwoFactorProof(new NullCodeSource())));

        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
    }

    [Fact]
    public void Create_WithoutACode_RefusesWithTwoFactorCodeRequiredAndCountsNoFailure()
    {
        h.NewAccount();
        var auditBefore = h.AuditCount();

        var e = Refusal.Expect(KeyAdminError.TwoFactorCodeRequired, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(null)));

        Assert.Equal("desk", e.Target);
        Assert.Equal(0, h.AccountRecord("desk").FailedCodeCount);
        Assert.Equal(auditBefore, h.AuditCount());
    }

    [Fact]
    public void Refusals_NeverCarryTheCodeInTheirMessage()
    {
        var account = h.NewAccount();
        var wrong = h.WrongCode(account.Seed);

        var e = Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(wrong)));

        Assert.False(e.Message.Contains(wrong, StringComparison.Ordinal), "the refusal message carries the code");
        Assert.DoesNotContain(h.Audit(), a => (a.Detail ?? string.Empty).Contains(wrong, StringComparison.Ordinal) || (a.Reason ?? string.Empty).Contains(wrong, StringComparison.Ordinal));
    }

    private sealed class NullCodeSource : ITwoFactorCodeSource
    {
        public string GetCode(string accountName, string operation) => null!;
    }
}
