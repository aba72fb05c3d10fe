using System.Security.Cryptography;

namespace KeyAdmin.Core.Crypto;

/// <summary>
/// HMAC-SHA256 under one key with its key schedule done once. A one-shot <c>HMACSHA256.HashData</c> sets the key
/// up on every call: on a request's or a row's hundred or two bytes, half of what it costs (docs/PERFORMANCE.md).
/// A computation takes a spare instance and gives it back. There are two spares, one for each thread a busy
/// two-core service verifies on at once: a computation that finds both taken makes its own (a key schedule, ≈ 1 µs),
/// and one that comes back to no free place is disposed. Once disposed it computes nothing more.
/// </summary>
internal sealed class ReusableHmac : IDisposable
{
    private readonly byte[] key;
    private readonly IncrementalHash?[] spares = new IncrementalHash?[2];
    private volatile bool disposed;

    /// <summary>An HMAC under <paramref name="key"/>, which it reads (not copies) whenever it makes an instance.</summary>
    public ReusableHmac(byte[] key) => this.key = key;

    /// <summary>Writes HMAC-SHA256(key, <paramref name="data"/>) into the first 32 bytes of <paramref name="destination"/>.</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var spare = Take();
        var hmac = spare ?? IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        try
        {
            hmac.AppendData(data);
            hmac.GetHashAndReset(destination);
        }
        catch
        {
            hmac.Dispose();
            throw;
        }

        if (spare is null)
        {
            // The key was read after the check above: the barrier orders that read before the look at the flag below,
            // as Dispose's orders the flag before the owner's zeroing of the key.
            Interlocked.MemoryBarrier();
        }

        if (disposed)
        {
            // Disposed while this computed: the owner zeroes the key right after disposing, and an instance made
            // from it then computes under zeros, which anyone can sign with. No MAC made then is given out.
            hmac.Dispose();
            destination.Clear();
            throw new ObjectDisposedException(nameof(ReusableHmac));
        }

        GiveBack(hmac);
    }

    /// <summary>
    /// Whether it is disposed, read behind a full barrier: what was read before (a MAC its owner zeroes after
    /// disposing) is ordered before this look.
    /// </summary>
    public bool IsDisposed
    {
        get
        {
            Interlocked.MemoryBarrier();
            return disposed;
        }
    }

    public void Dispose()
    {
        disposed = true;
        Interlocked.MemoryBarrier();
        for (var i = 0; i < spares.Length; i++)
        {
            Interlocked.Exchange(ref spares[i], null)?.Dispose();
        }
    }

    private IncrementalHash? Take()
    {
        for (var i = 0; i < spares.Length; i++)
        {
            if (Interlocked.Exchange(ref spares[i], null) is { } hmac)
            {
                return hmac;
            }
        }

        return null;
    }

    private void GiveBack(IncrementalHash hmac)
    {
        if (!disposed)
        {
            for (var i = 0; i < spares.Length; i++)
            {
                if (Interlocked.CompareExchange(ref spares[i], hmac, null) is null)
                {
                    if (disposed)
                    {
                        // Disposed while this computed: what was just given back is not lent again.
                        Interlocked.Exchange(ref spares[i], null)?.Dispose();
                    }

                    return;
                }
            }
        }

        hmac.Dispose();
    }
}
