using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KeyAdmin.Benchmarks.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks;

/// <summary>
/// What the cached-verification benchmarks share: a store with one key that a derived class signs a Read request
/// for, a verifier that has accepted it once (so its material is cached), and the baseline, the HMAC no verifier can
/// avoid: HMAC-SHA256 over the same canonical message with the same secret, its key schedule done once. The clock is fixed: the cached entry
/// never needs revalidation and the timestamp never goes stale.
/// </summary>
[MemoryDiagnoser]
public abstract class CachedVerificationBenchmark
{
    private BenchWorld world = null!;
    private byte[] secret = null!;
    private byte[] message = null!;
    private readonly byte[] mac = new byte[RequestSigner.SignatureBytes];
    private IncrementalHash reused = null!;

    private protected RequestVerifier Verifier { get; private set; } = null!;

    private protected SignedRequest Request { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        world = BenchWorld.Create();
        (Request, secret) = SignedRead(world, world.NewAccount("desk"));
        message = BenchWorld.CanonicalMessage(Request);
        reused = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        Verifier = new RequestVerifier(world.Store, world.Clock);
        if (!Verifier.Verify(Request).Accepted)
        {
            throw new InvalidOperationException("The benchmark's request is refused: the set-up is wrong.");
        }
    }

    // The floor: HMAC-SHA256 with its key schedule done once, as the verifier's cache keeps it. The one-shot
    // HashData, which sets the key up on every call, is shown beside it for context (it was the baseline until the
    // verifier stopped paying that set-up).
    [Benchmark(Baseline = true, Description = "HMAC-SHA256, key schedule done once (bare)")]
    public byte BareHmac()
    {
        reused.AppendData(message);
        reused.GetHashAndReset(mac);
        return mac[0];
    }

    [Benchmark(Description = "HMACSHA256.HashData, one-shot (context)")]
    public byte OneShotHmac()
    {
        HMACSHA256.HashData(secret, message, mac);
        return mac[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Verifier.Dispose();
        reused.Dispose();
        world.Dispose();
    }

    /// <summary>A new key of <paramref name="account"/> and a Read request signed with it; its secret for the baseline.</summary>
    private protected abstract (SignedRequest Request, byte[] Secret) SignedRead(BenchWorld world, BenchAccount account);
}
