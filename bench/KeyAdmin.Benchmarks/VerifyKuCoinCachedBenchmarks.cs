using System.Security.Cryptography;
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
[MemoryDiagnoser]
public class VerifyKuCoinCachedBenchmarks
{
    private const string Passphrase = "Bench-Passphrase-1";
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
        (var key, secret) = world.NewKuCoinKey(account, "bot-kc", ApiKeyPermission.Read | ApiKeyPermission.Trade, Passphrase, "203.0.113.0/24", "2001:db8::/48");
        request = world.SignKuCoin(key, secret, Passphrase, "GET", "/api/v1/accounts?currency=USDT&type=trade", string.Empty, "203.0.113.7", ApiKeyPermission.Read);
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

    [Benchmark(Description = "RequestVerifier.Verify, KuCoin scheme, cached")]
    public VerificationResult VerifyKuCoinCached() => verifier.Verify(request);

    [GlobalCleanup]
    public void Cleanup()
    {
        verifier.Dispose();
        world.Dispose();
    }
}
