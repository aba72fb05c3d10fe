using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using Microsoft.Extensions.Time.Testing;

namespace KeyAdmin.Verification.Tests;

/// <summary>
/// Bad input as properties: no mutation of a valid request is ever accepted, and no input at all makes the
/// verifier throw; every answer is a refusal with a reason.
/// </summary>
public sealed class VerifierPropertyTests : IDisposable
{
    private static readonly string[] Methods = { "GET", "POST", "PUT", "DELETE", "PATCH" };
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 10, TimeSpan.Zero));
    private readonly Fixture fixture;
    private readonly RequestVerifier verifier;
    private readonly ApiKey key;
    private readonly byte[] secret;

    public VerifierPropertyTests()
    {
        fixture = new Fixture(clock);
        // Read requests unprotected, so that one valid request can be judged against each of its mutations.
        verifier = new RequestVerifier(fixture.Store, clock, new VerifierOptions { ReadReplay = ReadReplayProtection.None });
        (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Trade, "203.0.113.7", "2001:db8::/48");
    }

    [Fact]
    public void Verify_AnyMutationOfAValidRequest_IsNeverAccepted()
    {
        var mutations = Gen.Choose(0, 10).Zip(Gen.Choose(0, 10_000));
        Prop.ForAll(mutations.ToArbitrary(), pick =>
        {
            var (field, salt) = pick;
            // Read requests are not replay-protected here, so the original stays valid and only the mutation is judged.
            var body = "{\"n\":" + salt + "}";
            var valid = fixture.Sign(key, secret, "POST", "/api/v1/orders?n=" + salt, body, "203.0.113.7", ApiKeyPermission.Read);
            var mutated = Mutate(valid, field, salt);
            return mutated == valid || !verifier.Verify(mutated).Accepted;
        }).QuickCheckThrowOnFailure();

        // The generator really produces valid requests: the property above is not vacuous.
        Assert.True(verifier.Verify(fixture.Sign(key, secret, "POST", "/api/v1/orders?n=1", "{\"n\":1}", "203.0.113.7", ApiKeyPermission.Read)).Accepted);
    }

    [Fact]
    public void Verify_ArbitraryInput_NeverThrowsAndNeverAccepts()
    {
        var text = ArbMap.Default.GeneratorFor<string>();
        var requests =
            from keyId in Gen.OneOf(text, Gen.Constant<string>(key.KeyId))
            from timestamp in Gen.OneOf(text, Gen.Constant(clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)))
            from signature in text
            from method in Gen.OneOf(text, Gen.Elements(Methods))
            from path in text
            from body in ArbMap.Default.GeneratorFor<byte[]>()
            from address in Gen.OneOf(Gen.Constant<IPAddress?>(null), Gen.Elements<IPAddress?>(IPAddress.Loopback, IPAddress.IPv6Any, IPAddress.Parse("203.0.113.7")))
            from permission in Gen.Choose(-5, 40)
            from code in text
            select new SignedRequest
            {
                KeyId = keyId,
                Timestamp = timestamp,
                Signature = signature,
                Method = method,
                PathAndQuery = path,
                Body = body ?? Array.Empty<byte>(),
                CallerAddress = address,
                RequiredPermission = (ApiKeyPermission)permission,
                TwoFactorCode = code,
            };

        Prop.ForAll(requests.ToArbitrary(), request =>
        {
            var result = verifier.Verify(request);
            return !result.Accepted && Enum.IsDefined(result.Reason) && result.Message.Length > 0;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Verify_OversizedPartsAndGarbage_AreRefusedWithAReason()
    {
        var valid = fixture.Sign(key, secret, "POST", "/api/v1/orders", "{}", "203.0.113.7", ApiKeyPermission.Trade);
        var cases = new[]
        {
            valid with { Body = new byte[11 * 1024 * 1024] },
            valid with { PathAndQuery = "/" + new string('a', 9000) },
            valid with { Timestamp = "12.5" },
            valid with { Timestamp = "-1" },
            valid with { Timestamp = new string('9', 40) },
            valid with { Signature = new string('A', 10_000) },
            valid with { Signature = "not base64!" },
            valid with { Method = "G\u0000T" },
            valid with { KeyId = "kak_" + new string('x', 5000) },
            valid with { CallerAddress = null },
        };

        foreach (var request in cases)
        {
            var result = verifier.Verify(request);
            Assert.False(result.Accepted);
            Assert.NotEqual(VerificationReason.Accepted, result.Reason);
        }
    }

    public void Dispose()
    {
        verifier.Dispose();
        fixture.Dispose();
    }

    private SignedRequest Mutate(SignedRequest valid, int field, int salt) => field switch
    {
        0 => valid with { KeyId = Flip(valid.KeyId!, salt) },
        1 => valid with { Timestamp = (long.Parse(valid.Timestamp!, System.Globalization.CultureInfo.InvariantCulture) + 1 + (salt % 3000)).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        2 => valid with { Signature = FlipSignature(valid.Signature!, salt) },
        3 => valid with { Method = Methods[1 + (salt % (Methods.Length - 1))] },
        4 => valid with { PathAndQuery = valid.PathAndQuery + (char)('a' + (salt % 26)) },
        5 => valid with { Body = valid.Body.ToArray().Append((byte)salt).ToArray() },
        6 => valid with { CallerAddress = new IPAddress(new byte[] { 198, 51, 100, (byte)salt }) },
        7 => valid with { RequiredPermission = ApiKeyPermission.Withdraw },
        8 => valid with { ContentType = salt % 2 == 0 ? "text/plain" : null },
        9 => valid with { Scheme = SigningScheme.KuCoin, Passphrase = "passphrase-" + salt, KeyVersion = "2" },
        _ => valid with { Body = Encoding.UTF8.GetBytes("{\"n\":" + (salt + 1) + "}") },
    };

    private static string Flip(string text, int salt)
    {
        var chars = text.ToCharArray();
        var i = 4 + (salt % (chars.Length - 4));
        chars[i] = chars[i] == 'a' ? 'b' : 'a';
        return new string(chars);
    }

    private static string FlipSignature(string signature, int salt)
    {
        var bytes = Convert.FromBase64String(signature);
        bytes[salt % bytes.Length] ^= (byte)(1 << (salt % 8));
        return Convert.ToBase64String(bytes);
    }
}
