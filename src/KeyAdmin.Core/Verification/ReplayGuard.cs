using System.Buffers.Binary;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// Remembers the signatures of accepted Trade, Transfer and Withdraw requests for as long as their timestamp is
/// inside the window, so that a captured request cannot be sent again. Memory is bounded: past the limit the
/// oldest signatures are forgotten first (they are the closest to expiring anyway).
/// </summary>
internal sealed class ReplayGuard
{
    private readonly object gate = new();
    private readonly Dictionary<Mac, long> seen = new();
    private readonly Queue<(Mac Mac, long ExpiresAt)> order = new();
    private readonly int capacity;

    public ReplayGuard(int capacity) => this.capacity = capacity;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return seen.Count;
            }
        }
    }

    /// <summary>Records the signature; false when it was already seen and has not expired.</summary>
    public bool TryRecord(ReadOnlySpan<byte> signature, long nowMs, long expiresAtMs)
    {
        var mac = new Mac(signature);
        lock (gate)
        {
            while (order.Count > 0 && (order.Peek().ExpiresAt <= nowMs || order.Count >= capacity))
            {
                var (old, expires) = order.Dequeue();
                if (seen.TryGetValue(old, out var current) && current == expires)
                {
                    seen.Remove(old);
                }
            }

            if (seen.TryGetValue(mac, out var existing) && existing > nowMs)
            {
                return false;
            }

            seen[mac] = expiresAtMs;
            order.Enqueue((mac, expiresAtMs));
            return true;
        }
    }

    private readonly record struct Mac(ulong A, ulong B, ulong C, ulong D)
    {
        public Mac(ReadOnlySpan<byte> bytes)
            : this(
                BinaryPrimitives.ReadUInt64LittleEndian(bytes),
                BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]))
        {
        }
    }
}
