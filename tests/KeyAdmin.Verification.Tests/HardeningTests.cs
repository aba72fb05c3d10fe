using System.Net;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Verification;
using Microsoft.Extensions.Time.Testing;

namespace KeyAdmin.Verification.Tests;

/// <summary>
/// Requests an attacker reshapes under a valid signature, and what an anonymous caller can make the verifier
/// keep: each is refused, or costs one shared counter.
/// </summary>
public sealed class HardeningTests : IDisposable
{
    private const string Caller = "203.0.113.7";
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 10, TimeSpan.Zero));
    private readonly Fixture fixture;
    private readonly RequestVerifier verifier;

    public HardeningTests()
    {
        fixture = new Fixture(clock);
        verifier = new RequestVerifier(fixture.Store, clock, new VerifierOptions { ReadReplay = ReadReplayProtection.None, RefusalCounters = 8 });
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    [InlineData("HEAD")]
    public void Verify_ABodyOnAMethodWithoutOne_IsMalformed(string method)
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade);

        var result = verifier.Verify(fixture.Sign(key, secret, method, "/api/v1/orders", "{\"symbol\":\"BTC-USDT\"}", Caller, ApiKeyPermission.Trade));

        Assert.Equal((VerificationReason.Malformed, "400100"), (result.Reason, result.KuCoinCode));
    }

    [Fact]
    public void Verify_AQueryMovedIntoTheBody_DoesNotVerifyAsTheOtherRequest()
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade);
        // Signed: POST /api/v1/orders?symbol=BTC-USDT without a body. The same bytes, split differently:
        var signed = fixture.Sign(key, secret, "POST", "/api/v1/orders?symbol=BTC-USDT", string.Empty, Caller, ApiKeyPermission.Trade);
        var moved = signed with { PathAndQuery = "/api/v1/orders", Body = "?symbol=BTC-USDT"u8.ToArray(), ContentType = "application/json" };

        Assert.Equal(VerificationReason.Malformed, verifier.Verify(moved).Reason);
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(signed).Reason);
    }

    [Theory]
    // Signed: POST target + body. Sent: the same bytes with the body (or part of it) moved into the target.
    [InlineData("/api/v1/orders", "{\"symbol\":\"BTC-USDT\"}", "/api/v1/orders{\"symbol\":\"BTC-USDT\"}", "")]
    [InlineData("/api/v1/orders?x=1", "{\"symbol\":\"BTC-USDT\"}", "/api/v1/orders?x=1{\"symbol\":\"BTC-USDT\"}", "")]
    [InlineData("/api/v1/orders?x=1", "{\"symbol\":\"BTC-USDT\"}", "/api/v1/orders?x=1{\"symbol\":", "\"BTC-USDT\"}")]
    [InlineData("/api/v1/orders?x=1", "[1]", "/api/v1/orders?x=1[1]", "")]
    public void Verify_ABodyMovedIntoTheTarget_DoesNotVerifyAsTheOtherRequest(string signedTarget, string signedBody, string sentTarget, string sentBody)
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade);
        var signed = fixture.Sign(key, secret, "POST", signedTarget, signedBody, Caller, ApiKeyPermission.Trade);
        var moved = signed with { PathAndQuery = sentTarget, Body = System.Text.Encoding.UTF8.GetBytes(sentBody), ContentType = sentBody.Length == 0 ? null : "application/json" };

        Assert.Equal(VerificationReason.Malformed, verifier.Verify(moved).Reason);
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(signed).Reason);
    }

    [Theory]
    [InlineData("text/plain", "{\"size\":1}")]
    [InlineData(null, "{\"size\":1}")]
    [InlineData("application/x-www-form-urlencoded", "size=1")]
    [InlineData("application/json; charset=utf-16", "{\"size\":1}")]
    [InlineData("application/json", "size=1")]
    [InlineData("application/json", "{\"size\":1} {}")]
    [InlineData("application/json", "{\"size\":1")]
    public void Verify_ABodyThatIsNotTheJsonItsContentTypeSays_IsMalformed(string? contentType, string body)
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade);

        var result = verifier.Verify(fixture.Sign(key, secret, "POST", "/api/v1/orders", body, Caller, ApiKeyPermission.Trade) with { ContentType = contentType });

        Assert.Equal(VerificationReason.Malformed, result.Reason);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=\"UTF-8\"")]
    [InlineData("application/vnd.api+json")]
    public void Verify_AJsonBodyThatSaysSo_IsAccepted(string contentType)
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade);

        var result = verifier.Verify(fixture.Sign(key, secret, "POST", "/api/v1/orders", "{\"size\":1}", Caller, ApiKeyPermission.Trade) with { ContentType = contentType });

        Assert.Equal(VerificationReason.Accepted, result.Reason);
    }

    [Theory]
    [InlineData("/api/v1/accounts?note=a b")]
    [InlineData("/api/v1/accounts?note=\"x\"")]
    [InlineData("/api/v1/accounts?bad=%zz")]
    [InlineData("/api/v1/accounts?bad=%2")]
    [InlineData("/api/v1/acc\u00f6unts")]
    [InlineData("/api/v1/accounts#fragment")]
    public void Verify_ATargetThatNoUrlEncoderSends_IsMalformed(string target)
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Read);

        var result = verifier.Verify(fixture.Sign(key, secret, "GET", target, string.Empty, Caller, ApiKeyPermission.Read));

        Assert.Equal(VerificationReason.Malformed, result.Reason);
    }

    [Theory]
    [InlineData("010.0.0.1")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("167772161")]
    [InlineData("10.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("fe80::1%1")]
    public void TryParseAddress_OfOctalHexIntegerShorthandOrZonedForms_Fails(string text)
    {
        Assert.False(IpRule.TryParseAddress(text, out _));
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:203.0.113.7")]
    public void TryParseAddress_OfPlainAddresses_Succeeds(string text)
    {
        Assert.True(IpRule.TryParseAddress(text, out var address));
        Assert.Equal(IPAddress.Parse(text), address);
    }

    [Fact]
    public void Verify_ManyMadeUpKeyIds_CostOneCounterAndOneAuditRecordPerReason()
    {
        for (var i = 0; i < 500; i++)
        {
            var request = new SignedRequest { KeyId = KeyTokens.NewKeyId(), Timestamp = "1", Signature = Convert.ToBase64String(new byte[32]), Method = "GET", PathAndQuery = "/a", CallerAddress = IPAddress.Loopback };
            Assert.Equal(VerificationReason.UnknownKey, verifier.Verify(request).Reason);
            Assert.Equal(VerificationReason.Malformed, verifier.Verify(request with { Method = "G T" }).Reason);
        }

        var before = fixture.Store.StreamAudit().Count();
        verifier.Flush();

        var refusals = fixture.Store.Read(r => r.ReadRefusals(null));
        Assert.Equal(new[] { ("(unknown key)", "Malformed", 500L), ("(unknown key)", "UnknownKey", 500L) }, refusals.Select(r => (r.KeyId, r.Reason, r.Count)));
        Assert.Equal(2, fixture.Store.StreamAudit().Count() - before);
    }

    [Fact]
    public void Verify_RefusalsOfMoreKeysThanTheLedgerHolds_ShareTheOverflowCounters()
    {
        var keys = Enumerable.Range(0, 5).Select(i => fixture.NewKey("bot" + i, ApiKeyPermission.Read)).ToList();
        foreach (var (key, secret) in keys)
        {
            verifier.Verify(fixture.Sign(key, "kas_wrong"u8.ToArray(), "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read));
            verifier.Verify(fixture.Sign(key, secret, "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read, clock.GetUtcNow().AddMinutes(-1)));
        }

        verifier.Flush();

        // RefusalCounters = 8: the first eight (key, reason) pairs are counted apart, the last key's two in the
        // overflow counter of each reason.
        var refusals = fixture.Store.Read(r => r.ReadRefusals(null));
        Assert.Equal(10, refusals.Count);
        Assert.Equal(10, refusals.Sum(r => r.Count));
        Assert.Equal(new[] { "BadSignature", "StaleTimestamp" }, refusals.Where(r => r.KeyId == "(other keys)").Select(r => r.Reason));
        Assert.DoesNotContain(refusals, r => r.KeyId == keys[4].Key.KeyId);
    }

    public void Dispose()
    {
        verifier.Dispose();
        fixture.Dispose();
    }
}
