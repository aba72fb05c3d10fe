using System.Security.Cryptography;
using KeyAdmin.Core.Crypto;

namespace KeyAdmin.Core.Tests;

/// <summary>The HMAC that row seals and the verifier reuse: the same MACs as the one-shot, on any thread, none once disposed.</summary>
public sealed class ReusableHmacTests
{
    [Fact]
    public void Compute_GivesTheOneShotMac_EveryTimeAndFromManyThreadsAtOnce()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var hmac = new ReusableHmac(key);
        var messages = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(i * 7)).ToArray();

        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var message = messages[i % messages.Length];
            Span<byte> mac = stackalloc byte[32];
            hmac.Compute(message, mac);
            Assert.True(mac.SequenceEqual(HMACSHA256.HashData(key, message)));
        });
    }

    [Fact]
    public void Disposed_ComputesNothing()
    {
        // The verifier disposes an entry's HMAC when it wipes the entry's secret: a computation after that must not
        // quietly make a new instance under the zeroed key.
        var key = RandomNumberGenerator.GetBytes(32);
        var hmac = new ReusableHmac(key);
        var mac = new byte[32];
        hmac.Compute("warm"u8, mac);

        hmac.Dispose();
        CryptographicOperations.ZeroMemory(key);

        Assert.Throws<ObjectDisposedException>(() => hmac.Compute("after"u8, mac));
    }

    [Fact]
    public async Task DisposedWhileOthersCompute_EveryMacComputedIsRight_AndEveryLaterCallThrows()
    {
        // Two spares are lent and given back concurrently, and instances are made when both are out. The key is
        // zeroed right after the dispose, as the verifier's wipe does: a computation under way must throw rather
        // than give out a MAC made from the zeroed key (a race, so this test can only catch it sometimes).
        var key = RandomNumberGenerator.GetBytes(32);
        var hmac = new ReusableHmac(key);
        var message = RandomNumberGenerator.GetBytes(100);
        var expected = HMACSHA256.HashData(key, message);
        var computed = 0;
        using var disposed = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var mac = new byte[32];
            while (true)
            {
                try
                {
                    hmac.Compute(message, mac);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                Assert.Equal(expected, mac);
                if (Interlocked.Increment(ref computed) == 2_000)
                {
                    hmac.Dispose();
                    CryptographicOperations.ZeroMemory(key);
                    disposed.Set();
                }
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(disposed.IsSet);
        Assert.Throws<ObjectDisposedException>(() => hmac.Compute(message, new byte[32]));
    }
}
