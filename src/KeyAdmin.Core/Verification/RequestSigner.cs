using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Crypto;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// The signature of the exchange's API: Base64(HMAC-SHA256(secret, timestamp + METHOD + path-with-query + body)),
/// the same message for KeyAdmin's KA-API-* headers and KuCoin's KC-API-* headers. One implementation, used by
/// clients (New-ApiKeySignature) and by the verifier alike.
/// </summary>
public static class RequestSigner
{
    public const string KeyHeader = "KA-API-KEY";
    public const string TimestampHeader = "KA-API-TIMESTAMP";
    public const string SignatureHeader = "KA-API-SIGN";
    public const int SignatureBytes = 32;

    /// <summary>Computes the Base64 signature; <paramref name="secret"/> is the ASCII secret as bytes.</summary>
    public static string Sign(ReadOnlySpan<byte> secret, string timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[SignatureBytes];
        ComputeMac(secret, timestamp, method, pathAndQuery, body, mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>Writes the MAC of the canonical message into <paramref name="destination"/> without building a string.</summary>
    public static void ComputeMac(ReadOnlySpan<byte> secret, string timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(pathAndQuery);
        byte[]? rented = null;
        var target = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            Encoding.UTF8.GetBytes(pathAndQuery, target);
            ComputeMac(secret, timestamp, method, target, body, destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The same, over a request target that is already UTF-8 (the wire form, or a decoded form of it).</summary>
    internal static void ComputeMac(ReadOnlySpan<byte> secret, string timestamp, string method, ReadOnlySpan<byte> target, ReadOnlySpan<byte> body, Span<byte> destination) =>
        ComputeMac(null, secret, timestamp, method, target, body, destination);

    /// <summary>The same, under a verifier's cached <paramref name="mac"/> of the key's secret (its key schedule done once).</summary>
    internal static void ComputeMac(ReusableHmac mac, string timestamp, string method, ReadOnlySpan<byte> target, ReadOnlySpan<byte> body, Span<byte> destination) =>
        ComputeMac(mac, default, timestamp, method, target, body, destination);

    private static void ComputeMac(ReusableHmac? mac, ReadOnlySpan<byte> secret, string timestamp, string method, ReadOnlySpan<byte> target, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(timestamp) + Encoding.UTF8.GetByteCount(method) + target.Length + body.Length;
        byte[]? rented = null;
        var message = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            var written = Encoding.UTF8.GetBytes(timestamp, message);
            written += WriteUpper(method, message[written..]);
            target.CopyTo(message[written..]);
            body.CopyTo(message[(written + target.Length)..]);
            if (mac is null)
            {
                HMACSHA256.HashData(secret, message, destination);
            }
            else
            {
                mac.Compute(message, destination);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int WriteUpper(string method, Span<byte> destination)
    {
        var written = Encoding.UTF8.GetBytes(method, destination);
        for (var i = 0; i < written; i++)
        {
            if (destination[i] is >= (byte)'a' and <= (byte)'z')
            {
                destination[i] -= 32;
            }
        }

        return written;
    }
}
