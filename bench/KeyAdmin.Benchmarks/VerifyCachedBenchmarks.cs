using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// The verifier's hot path with the key's material cached (the steady state of a busy service) against the
/// HMAC it cannot avoid: HMAC-SHA256 over the same canonical message with the same secret. Goal: ratio ≤ 2.
/// </summary>
/// <remarks>
/// A Read request, so that the replay memory (Trade, Transfer, Withdraw only) does not refuse the same signed
/// request on its second run; the key is bound to a range that holds the caller, so the binding check runs.
/// The clock is fixed: the cached entry never needs revalidation and the timestamp never goes stale.
/// </remarks>
[MemoryDiagnoser]
public class VerifyCachedBenchmarks
{
    private BenchWorld world = null!;
    private RequestVerifier verifier = null!;
    private SignedRequest request = null!;
    private byte[] secret = null!;
    private byte[] message = null!;
    private readonly byte[] mac = new byte[RequestSigner.SignatureBytes];

    [GlobalSetup]
    public void Setup()
    {
        world = BenchWorld.Create();
        var account = world.NewAccount("desk");
        (var key, secret) = world.NewKey(account, "bot-a", ApiKeyPermission.Read | ApiKeyPermission.Trade, "203.0.113.0/24", "2001:db8::/48");
        request = world.Sign(key, secret, "GET", "/api/v1/accounts?currency=USDT&type=trade", string.Empty, "203.0.113.7", ApiKeyPermission.Read);
        message = BenchWorld.CanonicalMessage(request);
        verifier = new RequestVerifier(world.Store, world.Clock);
        if (!verifier.Verify(request).Accepted)
        {
            throw new InvalidOperationException("The benchmark's request is refused: the set-up is wrong.");
        }
    }

    [Benchmark(Baseline = true, Description = "HMACSHA256.HashData (bare)")]
    public byte BareHmac()
    {
        HMACSHA256.HashData(secret, message, mac);
        return mac[0];
    }

    [Benchmark(Description = "RequestVerifier.Verify, cached")]
    public VerificationResult VerifyCached() => verifier.Verify(request);

    [GlobalCleanup]
    public void Cleanup()
    {
        verifier.Dispose();
        world.Dispose();
    }
}
