using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;
using Microsoft.Extensions.Time.Testing;

namespace KeyAdmin.Verification.Tests;

public sealed class VerifierTests : IDisposable
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 10, TimeSpan.Zero));
    private readonly Fixture fixture;
    private readonly RequestVerifier verifier;

    public VerifierTests()
    {
        fixture = new Fixture(clock);
        verifier = new RequestVerifier(fixture.Store, clock);
    }

    [Fact]
    public void Verify_ValidSignedRead_IsAccepted()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);

        var result = verifier.Verify(fixture.Sign(key, secret, "GET", "/api/v1/accounts?currency=BTC", string.Empty, "203.0.113.7", ApiKeyPermission.Read));

        Assert.True(result.Accepted);
        Assert.Equal(key.KeyId, result.KeyId);
        Assert.Equal("desk", result.Account);
    }

    [Fact]
    public void Verify_WrongSecret_RefusesWithBadSignature()
    {
        var (key, _) = fixture.NewKey("reader", ApiKeyPermission.Read);
        var (_, otherSecret) = fixture.NewKey("other", ApiKeyPermission.Read);

        var result = verifier.Verify(fixture.Sign(key, otherSecret, "GET", "/a", string.Empty, "203.0.113.7", ApiKeyPermission.Read));

        Assert.Equal(VerificationReason.BadSignature, result.Reason);
    }

    [Fact]
    public void Verify_AfterDisableInThisProcess_RefusesTheVeryNextRequest()
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade);
        Assert.True(verifier.Verify(fixture.Sign(key, secret, "GET", "/warm", string.Empty, "203.0.113.7", ApiKeyPermission.Read)).Accepted);

        fixture.Authority.Keys.Disable(key.KeyId, "leaked");

        Assert.Equal(VerificationReason.Disabled, verifier.Verify(fixture.Sign(key, secret, "GET", "/next", string.Empty, "203.0.113.7", ApiKeyPermission.Read)).Reason);
    }

    [Fact]
    public void Verify_AfterDeletion_RefusesAsUnknownKey()
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Read);
        fixture.Authority.Keys.Disable(key.KeyId, null);
        clock.Advance(TimeSpan.FromSeconds(31));
        fixture.Authority.Keys.Remove(key.KeyId, TwoFactorProof.FromCode(fixture.NextCode()));

        Assert.Equal(VerificationReason.UnknownKey, verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, "203.0.113.7", ApiKeyPermission.Read)).Reason);
    }

    [Fact]
    public void Verify_PastExpiry_RefusesWithExpired()
    {
        var issued = fixture.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "short", ExpiresInDays = 30 },
            TwoFactorProof.FromCode(fixture.NextCode()));
        var secret = System.Text.Encoding.ASCII.GetBytes(new System.Net.NetworkCredential(string.Empty, issued.Secret).Password);
        clock.Advance(TimeSpan.FromDays(30));

        var result = verifier.Verify(fixture.Sign(issued.Key, secret, "GET", "/a", string.Empty, "203.0.113.7", ApiKeyPermission.Read));

        Assert.Equal(VerificationReason.Expired, result.Reason);
    }

    [Theory]
    [InlineData(-5000, true)]
    [InlineData(5000, true)]
    [InlineData(-5001, false)]
    [InlineData(5001, false)]
    public void Verify_TimestampAtWindowEdge_AcceptsInsideAndRefusesOutside(int offsetMs, bool accepted)
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);

        var result = verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, "203.0.113.7", ApiKeyPermission.Read, clock.GetUtcNow().AddMilliseconds(offsetMs)));

        Assert.Equal(accepted ? VerificationReason.Accepted : VerificationReason.StaleTimestamp, result.Reason);
    }

    [Fact]
    public void Verify_SameTradeRequestTwice_RefusesTheSecondAsReplayed()
    {
        var (key, secret) = fixture.NewKey("trader", ApiKeyPermission.Trade);
        var request = fixture.Sign(key, secret, "POST", "/api/v1/orders", "{\"size\":1}", "203.0.113.7", ApiKeyPermission.Trade);

        Assert.True(verifier.Verify(request).Accepted);
        Assert.Equal(VerificationReason.Replayed, verifier.Verify(request).Reason);
    }

    [Fact]
    public void Verify_SameReadRequestTwice_AcceptsBoth()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);
        var request = fixture.Sign(key, secret, "GET", "/api/v1/accounts", string.Empty, "203.0.113.7", ApiKeyPermission.Read);

        Assert.True(verifier.Verify(request).Accepted);
        Assert.True(verifier.Verify(request).Accepted);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    [InlineData("198.51.100.0/24", "198.51.100.255", true)]
    [InlineData("198.51.100.0/24", "198.51.101.0", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7", true)]
    [InlineData("203.0.113.7", "::1", false)]
    public void Verify_CallerAddress_IsCheckedAgainstTheBinding(string binding, string caller, bool accepted)
    {
        var (key, secret) = fixture.NewKey("bound", ApiKeyPermission.Read, binding);

        var result = verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, caller, ApiKeyPermission.Read));

        Assert.Equal(accepted ? VerificationReason.Accepted : VerificationReason.AddressNotAllowed, result.Reason);
    }

    [Fact]
    public void Verify_OperationNeedingWithdraw_RefusesATradeKeyWithPermissionMissing()
    {
        var (key, secret) = fixture.NewKey("trader", ApiKeyPermission.Trade);

        var result = verifier.Verify(fixture.Sign(key, secret, "POST", "/api/v1/withdrawals", "{}", "203.0.113.7", ApiKeyPermission.Withdraw));

        Assert.Equal(VerificationReason.PermissionMissing, result.Reason);
    }

    [Fact]
    public void Verify_UnknownWellFormedKey_RefusesWithUnknownKey()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);
        var request = fixture.Sign(key, secret, "GET", "/a", string.Empty, "203.0.113.7", ApiKeyPermission.Read) with { KeyId = KeyTokens.NewKeyId() };

        Assert.Equal(VerificationReason.UnknownKey, verifier.Verify(request).Reason);
    }

    [Fact]
    public void Verify_WithdrawalOfAccountThatRequiresCodes_NeedsAValidOnceOnlyCode()
    {
        var (key, secret) = fixture.NewKey("withdrawer", ApiKeyPermission.Withdraw, "203.0.113.7");
        clock.Advance(TimeSpan.FromSeconds(60));
        fixture.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, TwoFactorProof.FromCode(fixture.NextCode()));
        clock.Advance(TimeSpan.FromSeconds(60));
        SignedRequest Withdrawal(string body) => fixture.Sign(key, secret, "POST", "/api/v1/withdrawals", body, "203.0.113.7", ApiKeyPermission.Withdraw);

        Assert.Equal(VerificationReason.TwoFactorRequired, verifier.Verify(Withdrawal("{\"n\":1}")).Reason);
        var code = fixture.NextCode();
        Assert.True(verifier.Verify(Withdrawal("{\"n\":2}") with { TwoFactorCode = code }).Accepted);
        Assert.Equal(VerificationReason.TwoFactorInvalid, verifier.Verify(Withdrawal("{\"n\":3}") with { TwoFactorCode = code }).Reason);
    }

    [Fact]
    public void Flush_AfterAcceptedAndRefusedRequests_RecordsLastUseAndCountsRefusals()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);
        verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, "::ffff:203.0.113.9", ApiKeyPermission.Read));
        verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, "203.0.113.9", ApiKeyPermission.Trade));
        verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, "203.0.113.9", ApiKeyPermission.Trade));

        verifier.Flush();

        var stored = fixture.Authority.Keys.Get(key.KeyId);
        Assert.Equal(clock.GetUtcNow(), stored.LastUsedAt);
        Assert.Equal("203.0.113.9", stored.LastUsedAddress);
        var refusals = fixture.Store.Read(r => r.ReadRefusals(key.KeyId));
        Assert.Equal(2, Assert.Single(refusals, r => r.Reason == nameof(VerificationReason.PermissionMissing)).Count);
    }

    public void Dispose()
    {
        verifier.Dispose();
        fixture.Dispose();
    }
}
