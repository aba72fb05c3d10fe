using System.Net;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// A request as it reached a service: the signing headers, what was signed, who sent it, and what the operation
/// needs. Every field is untrusted input; the verifier refuses rather than throws on any of them.
/// </summary>
public sealed record SignedRequest
{
    /// <summary>Which headers the request carried; KuCoin's add the passphrase and the key version.</summary>
    public SigningScheme Scheme { get; init; } = SigningScheme.KeyAdmin;

    /// <summary>The KA-API-KEY (or KC-API-KEY) header.</summary>
    public string? KeyId { get; init; }

    /// <summary>The KA-API-TIMESTAMP (or KC-API-TIMESTAMP) header: Unix milliseconds as text, exactly as signed.</summary>
    public string? Timestamp { get; init; }

    /// <summary>The KA-API-SIGN (or KC-API-SIGN) header: Base64(HMAC-SHA256(secret, timestamp + METHOD + path-with-query + body)).</summary>
    public string? Signature { get; init; }

    /// <summary>The KC-API-PASSPHRASE header: the passphrase (version 1) or Base64(HMAC-SHA256(secret, passphrase)) (2 and 3).</summary>
    public string? Passphrase { get; init; }

    /// <summary>The KC-API-KEY-VERSION header; absent means version 1, as KuCoin reads it.</summary>
    public string? KeyVersion { get; init; }

    public string? Method { get; init; }

    /// <summary>
    /// The request target as sent, percent-encoding and all (for example /api/v1/orders?symbol=BTC-USDT): a
    /// service passes the raw target, never a decoded or normalised path.
    /// </summary>
    public string? PathAndQuery { get; init; }

    /// <summary>The Content-Type header. A body must be JSON and say so.</summary>
    public string? ContentType { get; init; }

    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The caller's address as the service saw it (IPv4, IPv6 or IPv4-mapped IPv6).</summary>
    public IPAddress? CallerAddress { get; init; }

    /// <summary>The permission the operation needs; Read for queries.</summary>
    public ApiKeyPermission RequiredPermission { get; init; } = ApiKeyPermission.Read;

    /// <summary>An authenticator code, for withdrawals of accounts that require one with each request (R12).</summary>
    public string? TwoFactorCode { get; init; }
}
