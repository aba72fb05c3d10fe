using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// The verifier's hot path with the key's material cached (the steady state of a busy service) against the
/// HMAC it cannot avoid (<see cref="CachedVerificationBenchmark"/>). Goal: ratio ≤ 2.
/// </summary>
/// <remarks>
/// A Read request, so that the replay memory (Trade, Transfer, Withdraw only) does not refuse the same signed
/// request on its second run; the key is bound to a range that holds the caller, so the binding check runs.
/// </remarks>
public class VerifyCachedBenchmarks : CachedVerificationBenchmark
{
    [Benchmark(Description = "RequestVerifier.Verify, cached")]
    public VerificationResult VerifyCached() => Verifier.Verify(Request);

    private protected override (SignedRequest Request, byte[] Secret) SignedRead(BenchWorld world, BenchAccount account)
    {
        var (key, secret) = world.NewKey(account, "bot-a", ApiKeyPermission.Read | ApiKeyPermission.Trade, "203.0.113.0/24", "2001:db8::/48");
        return (world.Sign(key, secret, "GET", "/api/v1/accounts?currency=USDT&type=trade", string.Empty, "203.0.113.7", ApiKeyPermission.Read), secret);
    }
}
