using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// What the cached-verification benchmarks share: a store with one key that a derived class signs a Read request
/// for, a verifier that has accepted it once (so its material is cached), and the baseline, the HMAC no verifier can
/// avoid: HMAC-SHA256 over the same canonical message with the same secret. The clock is fixed: the cached entry
/// never needs revalidation and the timestamp never goes stale.
/// </summary>
[MemoryDiagnoser]
public abstract class CachedVerificationBenchmark
{
    private BenchWorld world = null!;
    private byte[] secret = null!;
    private byte[] message = null!;
    private readonly byte[] mac = new byte[RequestSigner.SignatureBytes];

    private protected RequestVerifier Verifier { get; private set; } = null!;

    private protected SignedRequest Request { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        world = BenchWorld.Create();
        (Request, secret) = SignedRead(world, world.NewAccount("desk"));
        message = BenchWorld.CanonicalMessage(Request);
        Verifier = new RequestVerifier(world.Store, world.Clock);
        if (!Verifier.Verify(Request).Accepted)
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

    [GlobalCleanup]
    public void Cleanup()
    {
        Verifier.Dispose();
        world.Dispose();
    }

    /// <summary>A new key of <paramref name="account"/> and a Read request signed with it; its secret for the baseline.</summary>
    private protected abstract (SignedRequest Request, byte[] Secret) SignedRead(BenchWorld world, BenchAccount account);
}
