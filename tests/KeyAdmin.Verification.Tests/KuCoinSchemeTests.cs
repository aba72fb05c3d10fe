using System.Text;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using Microsoft.Extensions.Time.Testing;

namespace KeyAdmin.Verification.Tests;

/// <summary>KuCoin's scheme in the core verifier: the passphrase, the key versions, the encoded query, the codes.</summary>
public sealed class KuCoinSchemeTests : IDisposable
{
    private const string Passphrase = "Trading-Desk-7";
    private const string Caller = "203.0.113.7";
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 10, TimeSpan.Zero));
    private readonly Fixture fixture;
    private readonly RequestVerifier verifier;

    public KuCoinSchemeTests()
    {
        fixture = new Fixture(clock);
        verifier = new RequestVerifier(fixture.Store, clock);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("3")]
    public void Verify_KuCoinRequestOfVersion2Or3_IsAcceptedForAKeyThatTakesTheDefaultVersions(string version)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);

        var result = verifier.Verify(fixture.SignKuCoin(key, secret, Passphrase, version, "GET", "/api/v1/accounts?type=trade", string.Empty, Caller, ApiKeyPermission.Read));

        Assert.Equal(VerificationReason.Accepted, result.Reason);
        Assert.Equal(ApiKeyPermission.Read, result.Permissions);
        Assert.Equal((KuCoinKeyVersions.V2 | KuCoinKeyVersions.V3, true), (key.KeyVersions, key.HasPassphrase));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    public void Verify_Version1PlainPassphrase_IsAcceptedOnlyByAKeyThatTakesVersion1(string? version)
    {
        var (defaults, defaultsSecret) = fixture.NewKuCoinKey("defaults", ApiKeyPermission.Read, Passphrase);
        var (legacy, legacySecret) = fixture.NewKuCoinKey("legacy", ApiKeyPermission.Read, Passphrase, KuCoinKeyVersions.V1);

        var refused = verifier.Verify(fixture.SignKuCoin(defaults, defaultsSecret, Passphrase, version, "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read));
        var accepted = verifier.Verify(fixture.SignKuCoin(legacy, legacySecret, Passphrase, version, "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read));

        Assert.Equal((VerificationReason.KeyVersionNotAccepted, "400009"), (refused.Reason, refused.KuCoinCode));
        Assert.Equal(VerificationReason.Accepted, accepted.Reason);
        Assert.Equal(VerificationReason.KeyVersionNotAccepted, verifier.Verify(fixture.SignKuCoin(legacy, legacySecret, Passphrase, "2", "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read)).Reason);
    }

    [Theory]
    [InlineData("2", "Trading-Desk-8")]
    [InlineData("3", "trading-desk-7")]
    [InlineData("1", "Trading-Desk-")]
    [InlineData("1", "Trading-Desk-77")]
    public void Verify_WrongPassphrase_IsRefusedWithBadPassphrase(string version, string presented)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase, KuCoinKeyVersion.All);

        var result = verifier.Verify(fixture.SignKuCoin(key, secret, presented, version, "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read));

        Assert.Equal((VerificationReason.BadPassphrase, "400004", 401), (result.Reason, result.KuCoinCode, result.HttpStatus));
    }

    [Theory]
    [InlineData("4")]
    [InlineData("0")]
    [InlineData("v2")]
    [InlineData("2 ")]
    public void Verify_UnknownKeyVersion_IsRefusedWithKeyVersionNotAccepted(string version)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase, KuCoinKeyVersion.All);

        var result = verifier.Verify(fixture.SignKuCoin(key, secret, Passphrase, "2", "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read) with { KeyVersion = version });

        Assert.Equal(VerificationReason.KeyVersionNotAccepted, result.Reason);
    }

    [Fact]
    public void Verify_EachKeyWithTheOtherSchemesHeaders_IsRefusedWithBadPassphrase()
    {
        var (kucoin, kucoinSecret) = fixture.NewKuCoinKey("kc", ApiKeyPermission.Read, Passphrase);
        var (plain, plainSecret) = fixture.NewKey("ka", ApiKeyPermission.Read);

        // A passphrase is a credential: a key that has one is never accepted without it.
        var withoutPassphrase = verifier.Verify(fixture.Sign(kucoin, kucoinSecret, "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read));
        var withMadeUpPassphrase = verifier.Verify(fixture.SignKuCoin(plain, plainSecret, Passphrase, "2", "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read));

        Assert.Equal(VerificationReason.BadPassphrase, withoutPassphrase.Reason);
        Assert.Equal(VerificationReason.BadPassphrase, withMadeUpPassphrase.Reason);
    }

    [Fact]
    public void Verify_WrongSignatureWithWrongPassphraseAndVersion_IsBadSignature_SoTheOrderRevealsNothing()
    {
        var (key, _) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);

        var result = verifier.Verify(fixture.SignKuCoin(key, Encoding.ASCII.GetBytes("kas_not-the-secret"), "wrong-passphrase", "9", "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read, at: clock.GetUtcNow().AddHours(-1)));

        Assert.Equal((VerificationReason.BadSignature, "400005"), (result.Reason, result.KuCoinCode));
    }

    [Theory]
    [InlineData("KeyId")]
    [InlineData("Timestamp")]
    [InlineData("Signature")]
    [InlineData("Passphrase")]
    public void Verify_KuCoinRequestWithoutOneOfItsHeaders_IsRefusedWithMissingHeader(string header)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);
        var request = fixture.SignKuCoin(key, secret, Passphrase, "2", "GET", "/a", string.Empty, Caller, ApiKeyPermission.Read);

        var result = verifier.Verify(header switch
        {
            "KeyId" => request with { KeyId = null },
            "Timestamp" => request with { Timestamp = string.Empty },
            "Signature" => request with { Signature = null },
            _ => request with { Passphrase = null },
        });

        Assert.Equal((VerificationReason.MissingHeader, "400001"), (result.Reason, result.KuCoinCode));
        Assert.Contains("KC-API-", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Wire form as signed (plain values): one MAC.
    [InlineData("/api/v1/orders?symbol=BTC-USDT&status=active", "/api/v1/orders?symbol=BTC-USDT&status=active")]
    // Node clients: signed decoded, a space sent as %20.
    [InlineData("/api/v1/orders?note=desk bot/1", "/api/v1/orders?note=desk%20bot/1")]
    // Python clients: a space sent as '+'.
    [InlineData("/api/v1/orders?note=desk bot", "/api/v1/orders?note=desk+bot")]
    // '+' kept as '+' while the rest is decoded.
    [InlineData("/api/v1/orders?note=a+b:c", "/api/v1/orders?note=a+b%3Ac")]
    // An escaped '=' inside a value decodes without changing which parameters there are.
    [InlineData("/api/v1/orders?cursor=abc=", "/api/v1/orders?cursor=abc%3D")]
    public void Verify_QuerySignedDecodedAndSentEncoded_IsAccepted(string signed, string sent)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);

        var result = verifier.Verify(fixture.SignKuCoin(key, secret, Passphrase, "2", "GET", sent, string.Empty, Caller, ApiKeyPermission.Read, signedPath: signed));

        Assert.Equal(VerificationReason.Accepted, result.Reason);
    }

    [Theory]
    // No third guess: decoded twice.
    [InlineData("/api/v1/orders?note=a b", "/api/v1/orders?note=a%2520b")]
    // No third guess: a space sent as '+' read as a space while an escaped '+' is read as a space too.
    [InlineData("/api/v1/orders?note=a b c", "/api/v1/orders?note=a+b%2Bc")]
    // A decoding that changes the parameters: one parameter a="1&b=2" is not the signed a=1 and b=2.
    [InlineData("/api/v1/orders?a=1&b=2", "/api/v1/orders?a=1%26b=2")]
    // Nor an escaped '=' in a name: "a=b" named c is not a named b.
    [InlineData("/api/v1/orders?a=b=c", "/api/v1/orders?a%3Db=c")]
    // The path is never decoded.
    [InlineData("/api/v1/or ders", "/api/v1/or%20ders")]
    public void Verify_QueryThatOnlyAThirdGuessOrAChangedSplitWouldMatch_IsRefusedWithBadSignature(string signed, string sent)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);

        var result = verifier.Verify(fixture.SignKuCoin(key, secret, Passphrase, "2", "GET", sent, string.Empty, Caller, ApiKeyPermission.Read, signedPath: signed));

        Assert.Equal(VerificationReason.BadSignature, result.Reason);
    }

    [Fact]
    public void Verify_KeyAdminScheme_SignsTheWireFormOnly()
    {
        var (key, secret) = fixture.NewKey("ka", ApiKeyPermission.Read);
        var decodedSigned = fixture.Sign(key, secret, "GET", "/api/v1/orders?note=desk bot", string.Empty, Caller, ApiKeyPermission.Read) with { PathAndQuery = "/api/v1/orders?note=desk%20bot" };
        var wireSigned = fixture.Sign(key, secret, "GET", "/api/v1/orders?note=desk%20bot", string.Empty, Caller, ApiKeyPermission.Read);

        Assert.Equal(VerificationReason.BadSignature, verifier.Verify(decodedSigned).Reason);
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(wireSigned).Reason);
    }

    [Fact]
    public void Verify_TheSameRequestSentAsPlusAndAsPercent20_IsOneRequest_TheSecondIsReplayed()
    {
        var (key, secret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase);
        var python = fixture.SignKuCoin(key, secret, Passphrase, "2", "DELETE", "/api/v1/orders?note=a+b", string.Empty, Caller, ApiKeyPermission.Trade, signedPath: "/api/v1/orders?note=a b");

        Assert.Equal(VerificationReason.Accepted, verifier.Verify(python).Reason);
        Assert.Equal(VerificationReason.Replayed, verifier.Verify(python with { PathAndQuery = "/api/v1/orders?note=a%20b" }).Reason);
    }

    public static TheoryData<VerificationReason, string, int> WireCodes => new()
    {
        { VerificationReason.Accepted, "200000", 200 },
        { VerificationReason.MissingHeader, "400001", 401 },
        { VerificationReason.StaleTimestamp, "400002", 401 },
        { VerificationReason.Replayed, "400002", 401 },
        { VerificationReason.UnknownKey, "400003", 401 },
        { VerificationReason.Disabled, "400003", 401 },
        { VerificationReason.Expired, "400003", 401 },
        { VerificationReason.StoreTampered, "400003", 401 },
        { VerificationReason.BadPassphrase, "400004", 401 },
        { VerificationReason.BadSignature, "400005", 401 },
        { VerificationReason.AddressNotAllowed, "400006", 403 },
        { VerificationReason.PermissionMissing, "400007", 403 },
        { VerificationReason.TwoFactorRequired, "400007", 403 },
        { VerificationReason.TwoFactorInvalid, "400007", 403 },
        { VerificationReason.TwoFactorLockedOut, "400007", 403 },
        { VerificationReason.KeyVersionNotAccepted, "400009", 401 },
        { VerificationReason.ReplayLimitReached, "429000", 429 },
        { VerificationReason.Malformed, "400100", 400 },
    };

    [Theory]
    [MemberData(nameof(WireCodes))]
    public void KuCoinCodes_MapEachReasonToKuCoinsCodeAndStatus(VerificationReason reason, string code, int status)
    {
        Assert.Equal((code, status), KuCoinCodes.For(reason));
        Assert.Equal(Enum.GetValues<VerificationReason>().Length, WireCodes.Count);
    }

    public void Dispose()
    {
        verifier.Dispose();
        fixture.Dispose();
    }
}
