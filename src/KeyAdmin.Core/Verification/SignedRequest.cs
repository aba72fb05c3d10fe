using System.Net;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// A request as it reached a service: the three signing headers, what was signed, who sent it, and what the
/// operation needs. Every field is untrusted input; the verifier refuses rather than throws on any of them.
/// </summary>
public sealed record SignedRequest
{
    /// <summary>The KA-API-KEY header.</summary>
    public string? KeyId { get; init; }

    /// <summary>The KA-API-TIMESTAMP header: Unix milliseconds as text, exactly as signed.</summary>
    public string? Timestamp { get; init; }

    /// <summary>The KA-API-SIGN header: Base64(HMAC-SHA256(secret, timestamp + METHOD + path-with-query + body)).</summary>
    public string? Signature { get; init; }

    public string? Method { get; init; }

    /// <summary>The path with its query string, as sent (for example /api/v1/orders?symbol=BTC-USDT).</summary>
    public string? PathAndQuery { get; init; }

    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The caller's address as the service saw it (IPv4, IPv6 or IPv4-mapped IPv6).</summary>
    public IPAddress? CallerAddress { get; init; }

    /// <summary>The permission the operation needs; Read for queries.</summary>
    public ApiKeyPermission RequiredPermission { get; init; } = ApiKeyPermission.Read;

    /// <summary>An authenticator code, for withdrawals of accounts that require one with each request (R12).</summary>
    public string? TwoFactorCode { get; init; }
}
