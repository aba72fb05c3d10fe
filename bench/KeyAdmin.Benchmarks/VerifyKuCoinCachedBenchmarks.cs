using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// The verifier's hot path for KuCoin's scheme with the key's material cached: the signature, the key version and
/// the passphrase (KC-API-PASSPHRASE as versions 2 and 3 send it, compared in constant time) on top of what
/// <see cref="VerifyCachedBenchmarks"/> measures, against the HMAC it cannot avoid: HMAC-SHA256 over the same
/// canonical message with the same secret. Goal: ratio ≤ 2.
/// </summary>
/// <remarks>
/// A GET needing Read, which the default replay protection leaves alone (a repeated GET within the window is
/// accepted), so the same signed request verifies on every run; the key is bound to a range that holds the
/// caller, so the binding check runs. The passphrase costs no HMAC here: the cache keeps HMAC-SHA256(secret,
/// passphrase), which is what versions 2 and 3 send.
/// </remarks>
public class VerifyKuCoinCachedBenchmarks : CachedVerificationBenchmark
{
    private const string Passphrase = "Bench-Passphrase-1";

    [Benchmark(Description = "RequestVerifier.Verify, KuCoin scheme, cached")]
    public VerificationResult VerifyKuCoinCached() => Verifier.Verify(Request);

    private protected override (SignedRequest Request, byte[] Secret) SignedRead(BenchWorld world, BenchAccount account)
    {
        var (key, secret) = world.NewKuCoinKey(account, "bot-kc", ApiKeyPermission.Read | ApiKeyPermission.Trade, Passphrase, "203.0.113.0/24", "2001:db8::/48");
        return (world.SignKuCoin(key, secret, Passphrase, "GET", "/api/v1/accounts?currency=USDT&type=trade", string.Empty, "203.0.113.7", ApiKeyPermission.Read), secret);
    }
}
