using System.Security.Cryptography;
using System.Text;

namespace KeyAdmin.Core.Crypto;

/// <summary>
/// Seals secrets at rest with AES-256-GCM under the key-encryption key. The record's identity
/// ("apikey:kak_…", "authenticator:…") is the associated data, so a sealed value moved to another row
/// does not open.
/// </summary>
public sealed class SecretBox : IDisposable
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] kek;

    public SecretBox(ReadOnlySpan<byte> keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != 32)
        {
            throw new ArgumentException("The key-encryption key must be 32 bytes.", nameof(keyEncryptionKey));
        }

        kek = keyEncryptionKey.ToArray();
        Fingerprint = ComputeFingerprint(kek);
    }

    /// <summary>Identifies the key-encryption key without revealing it; the store records it to detect a wrong key.</summary>
    public string Fingerprint { get; }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>A key for another purpose (the audit chain's MAC), derived with HKDF so it reveals nothing of this one.</summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, kek, 32, info: Encoding.UTF8.GetBytes("KeyAdmin " + purpose));

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string identity)
    {
        var sealedValue = new byte[1 + NonceSize + TagSize + plaintext.Length];
        sealedValue[0] = FormatVersion;
        var nonce = sealedValue.AsSpan(1, NonceSize);
        var tag = sealedValue.AsSpan(1 + NonceSize, TagSize);
        var ciphertext = sealedValue.AsSpan(1 + NonceSize + TagSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(kek, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.UTF8.GetBytes(identity));
        return sealedValue;
    }

    /// <summary>Opens a sealed value into a new array that the caller wipes with <see cref="CryptographicOperations.ZeroMemory"/>.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, string identity)
    {
        if (sealedValue.Length < 1 + NonceSize + TagSize || sealedValue[0] != FormatVersion)
        {
            throw new CryptographicException("The sealed value has an unknown format.");
        }

        var plaintext = new byte[sealedValue.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(kek, TagSize);
        aes.Decrypt(
            sealedValue.Slice(1, NonceSize),
            sealedValue.Slice(1 + NonceSize + TagSize),
            sealedValue.Slice(1 + NonceSize, TagSize),
            plaintext,
            Encoding.UTF8.GetBytes(identity));
        return plaintext;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(kek);

    private static string ComputeFingerprint(byte[] key) =>
        Convert.ToHexString(HMACSHA256.HashData(key, "KeyAdmin key-encryption key fingerprint v1"u8)[..16]).ToLowerInvariant();
}
