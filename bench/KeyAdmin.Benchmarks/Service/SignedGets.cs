using System.Globalization;
using System.Text;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Benchmarks.Service;

/// <summary>
/// GET requests signed with KuCoin's scheme (key version 2), one per wall-clock second: wrk cannot compute an HMAC,
/// so its script picks the request signed for the current second, whose timestamp is half a second into it (well
/// inside the verifier's ±5 s window). A GET that needs only Read is not replay-protected by default, so the same
/// request may be sent many times within its second.
/// </summary>
public sealed class SignedGets
{
    private readonly string keyId;
    private readonly byte[] secret;
    private readonly string passphraseMac;

    public SignedGets(string keyId, byte[] secret, string passphrase, string signedTarget)
    {
        this.keyId = keyId;
        this.secret = secret;
        passphraseMac = KuCoinSigning.SignPassphrase(secret, Encoding.ASCII.GetBytes(passphrase));
        SignedTarget = signedTarget;
    }

    /// <summary>The path and query the signature covers.</summary>
    public string SignedTarget { get; }

    /// <summary>The five KC-API-* headers of the request signed for <paramref name="unixSecond"/>.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers(long unixSecond)
    {
        var timestamp = (unixSecond * 1000 + 500).ToString(CultureInfo.InvariantCulture);
        return
        [
            (KuCoinSigning.KeyHeader, keyId),
            (KuCoinSigning.SignatureHeader, RequestSigner.Sign(secret, timestamp, "GET", SignedTarget, ReadOnlySpan<byte>.Empty)),
            (KuCoinSigning.TimestampHeader, timestamp),
            (KuCoinSigning.PassphraseHeader, passphraseMac),
            (KuCoinSigning.KeyVersionHeader, "2"),
        ];
    }

    /// <summary>
    /// The request as wrk sends it: GET <paramref name="target"/> with the headers signed for <see cref="SignedTarget"/>
    /// (the unverified baseline sends the same bytes to another path, so both parse the same headers).
    /// </summary>
    public string RawRequest(long unixSecond, string target, Uri service)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"GET {target} HTTP/1.1\r\nHost: {service.Authority}\r\n");
        foreach (var (name, value) in Headers(unixSecond))
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        return text.Append("\r\n").ToString();
    }

    /// <summary>The request for the current second, for a probe through <see cref="HttpClient"/>.</summary>
    public HttpRequestMessage Message(string target)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, target);
        foreach (var (name, value) in Headers(DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }
}
