using System.Security.Cryptography;
using KeyAdmin.Core.Crypto;

namespace KeyAdmin.Core.Keys;

/// <summary>
/// The shape of key ids and secrets: a recognisable prefix, random base62 from the CSPRNG and a base62
/// CRC-32 checksum, as GitHub's tokens do, so a scanner can find a leaked secret with
/// <c>kas_[0-9A-Za-z]{49}</c> and confirm it offline without a call to the authority.
/// </summary>
public static class KeyTokens
{
    public const string KeyIdPrefix = "kak_";
    public const string SecretPrefix = "kas_";
    public const int KeyIdRandomLength = 22;   // 131 bits: ids must never collide, they need not be secret.
    public const int SecretRandomLength = 43;  // 43 × log2(62) ≈ 256.03 bits.
    public const int ChecksumLength = 6;       // 62^6 > 2^32.

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // Every request's key id is checked against the alphabet before anything else: in one vectorised pass.
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    public static int KeyIdLength => KeyIdPrefix.Length + KeyIdRandomLength + ChecksumLength;

    public static int SecretLength => SecretPrefix.Length + SecretRandomLength + ChecksumLength;

    public static string NewKeyId()
    {
        Span<char> id = stackalloc char[KeyIdLength];
        Fill(id, KeyIdPrefix, KeyIdRandomLength);
        return new string(id);
    }

    /// <summary>Writes a new secret into <paramref name="destination"/> (length <see cref="SecretLength"/>); the caller wipes it.</summary>
    public static void NewSecret(Span<char> destination) => Fill(destination, SecretPrefix, SecretRandomLength);

    public static bool IsWellFormedKeyId(ReadOnlySpan<char> text) => IsWellFormed(text, KeyIdPrefix, KeyIdRandomLength);

    public static bool IsWellFormedSecret(ReadOnlySpan<char> text) => IsWellFormed(text, SecretPrefix, SecretRandomLength);

    private static void Fill(Span<char> destination, string prefix, int randomLength)
    {
        if (destination.Length != prefix.Length + randomLength + ChecksumLength)
        {
            throw new ArgumentException("Destination has the wrong length.", nameof(destination));
        }

        prefix.AsSpan().CopyTo(destination);
        RandomNumberGenerator.GetItems(Alphabet, destination.Slice(prefix.Length, randomLength));
        WriteChecksum(destination[..^ChecksumLength], destination[^ChecksumLength..]);
    }

    private static bool IsWellFormed(ReadOnlySpan<char> text, string prefix, int randomLength)
    {
        if (text.Length != prefix.Length + randomLength + ChecksumLength || !text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (text[prefix.Length..].ContainsAnyExcept(AlphabetValues))
        {
            return false;
        }

        Span<char> expected = stackalloc char[ChecksumLength];
        WriteChecksum(text[..^ChecksumLength], expected);
        return expected.SequenceEqual(text[^ChecksumLength..]);
    }

    private static void WriteChecksum(ReadOnlySpan<char> body, Span<char> destination)
    {
        ulong value = Crc32.Compute(body);
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }
}
