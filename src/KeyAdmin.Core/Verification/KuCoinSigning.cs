using System.Security.Cryptography;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// KuCoin's request headers. The signature is <see cref="RequestSigner"/>'s; the passphrase travels as itself
/// (key version 1, or no version header) or as Base64(HMAC-SHA256(secret, passphrase)) (versions 2 and 3), which
/// is what KuCoin's own client libraries send.
/// </summary>
public static class KuCoinSigning
{
    public const string KeyHeader = "KC-API-KEY";
    public const string TimestampHeader = "KC-API-TIMESTAMP";
    public const string SignatureHeader = "KC-API-SIGN";
    public const string PassphraseHeader = "KC-API-PASSPHRASE";
    public const string KeyVersionHeader = "KC-API-KEY-VERSION";

    /// <summary>The KC-API-PASSPHRASE value of key versions 2 and 3.</summary>
    public static string SignPassphrase(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> passphrase)
    {
        Span<byte> mac = stackalloc byte[RequestSigner.SignatureBytes];
        HMACSHA256.HashData(secret, passphrase, mac);
        return Convert.ToBase64String(mac);
    }
}
