using System.Buffers.Binary;

namespace KeyAdmin.Core.Crypto;

/// <summary>
/// Whether two HMAC-SHA256 values are equal, in constant time and without a call per byte.
/// <c>CryptographicOperations.FixedTimeEquals</c> is compiled without optimisation, so that no compiler can shorten
/// its loop; that makes each byte a method call through a stub, ≈ 130 ns for 32 bytes. The verifier's two
/// comparisons (signature and passphrase) were a quarter of a cached verification (docs/PERFORMANCE.md). Here each
/// value is read as four 64-bit words, and the words' differences are ORed into one: no branch and no memory access
/// depends on the bytes, and the one comparison at the end (with zero) tells no more than the answer does.
/// </summary>
internal static class FixedTime
{
    /// <summary>The length of what <see cref="MacEquals"/> compares: an HMAC-SHA256.</summary>
    public const int MacBytes = 32;

    /// <summary>
    /// True when both are <see cref="MacBytes"/> long and equal. A value of another length is never equal; lengths are
    /// not secret (every MAC is 32 bytes), so that test may return early.
    /// </summary>
    public static bool MacEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != MacBytes || right.Length != MacBytes)
        {
            return false;
        }

        var difference = (Word(left, 0) ^ Word(right, 0))
            | (Word(left, 8) ^ Word(right, 8))
            | (Word(left, 16) ^ Word(right, 16))
            | (Word(left, 24) ^ Word(right, 24));
        return difference == 0;
    }

    private static ulong Word(ReadOnlySpan<byte> value, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(value.Slice(offset, sizeof(ulong)));
}
