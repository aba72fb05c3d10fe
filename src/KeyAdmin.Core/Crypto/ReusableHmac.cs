using System.Security.Cryptography;

namespace KeyAdmin.Core.Crypto;

/// <summary>
/// HMAC-SHA256 under one key with its key schedule done once. A one-shot <c>HMACSHA256.HashData</c> sets the key
/// up on every call: on a request's or a row's hundred or two bytes, half of what it costs (docs/PERFORMANCE.md).
/// A computation takes the spare instance and gives it back; one that finds it taken (another thread has it) makes
/// its own, and whichever comes back second is disposed. Once disposed it computes nothing more.
/// </summary>
internal sealed class ReusableHmac : IDisposable
{
    private readonly byte[] key;
    private IncrementalHash? spare;
    private volatile bool disposed;

    /// <summary>An HMAC under <paramref name="key"/>, which it reads (not copies) whenever it makes an instance.</summary>
    public ReusableHmac(byte[] key) => this.key = key;

    /// <summary>Writes HMAC-SHA256(key, <paramref name="data"/>) into the first 32 bytes of <paramref name="destination"/>.</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var hmac = Interlocked.Exchange(ref spare, null) ?? IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
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

        if (disposed || Interlocked.CompareExchange(ref spare, hmac, null) is not null)
        {
            hmac.Dispose();
        }
        else if (disposed)
        {
            // Disposed while this computed: what was just given back is not lent again.
            Interlocked.Exchange(ref spare, null)?.Dispose();
        }
    }

    public void Dispose()
    {
        disposed = true;
        Interlocked.Exchange(ref spare, null)?.Dispose();
    }
}
