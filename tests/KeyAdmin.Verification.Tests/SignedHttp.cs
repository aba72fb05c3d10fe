using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Verification.Tests;

/// <summary>Signed HTTP requests as clients send them: KeyAdmin's KA-API-* headers or KuCoin's KC-API-* headers.</summary>
public static class SignedHttp
{
    public static HttpRequestMessage KaSigned(ApiKey key, byte[] secret, HttpMethod method, string path, string? body, DateTimeOffset? at = null)
    {
        var timestamp = Timestamp(at);
        var request = Request(method, path, body);
        request.Headers.Add(RequestSigner.KeyHeader, key.KeyId);
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp);
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(secret, timestamp, method.Method, path, Encoding.UTF8.GetBytes(body ?? string.Empty)));
        return request;
    }

    /// <summary>
    /// As KuCoin's clients sign: over <paramref name="signedPath"/> (the decoded query; the wire form by default),
    /// with the passphrase as versions 2 and 3 send it, or itself for version 1.
    /// </summary>
    public static HttpRequestMessage KcSigned(ApiKey key, byte[] secret, string passphrase, HttpMethod method, string path, string? body, string? version = "3", string? signedPath = null, DateTimeOffset? at = null)
    {
        var timestamp = Timestamp(at);
        var request = Request(method, path, body);
        foreach (var (name, value) in KuCoinHeaders(key.KeyId, secret, passphrase, timestamp, method.Method, signedPath ?? path, body, version))
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    public static IEnumerable<(string Name, string Value)> KuCoinHeaders(string keyId, byte[] secret, string passphrase, string timestamp, string method, string signedPath, string? body, string? version)
    {
        yield return (KuCoinSigning.KeyHeader, keyId);
        yield return (KuCoinSigning.TimestampHeader, timestamp);
        yield return (KuCoinSigning.SignatureHeader, RequestSigner.Sign(secret, timestamp, method, signedPath, Encoding.UTF8.GetBytes(body ?? string.Empty)));
        yield return (KuCoinSigning.PassphraseHeader, version is null or "1" ? passphrase : KuCoinSigning.SignPassphrase(secret, Encoding.UTF8.GetBytes(passphrase)));
        if (version is not null)
        {
            yield return (KuCoinSigning.KeyVersionHeader, version);
        }
    }

    public static HttpRequestMessage Clone(HttpRequestMessage original)
    {
        var copy = new HttpRequestMessage(original.Method, original.RequestUri);
        foreach (var header in original.Headers)
        {
            copy.Headers.Add(header.Key, header.Value);
        }

        if (original.Content is not null)
        {
            copy.Content = new StringContent(original.Content.ReadAsStringAsync().Result, Encoding.UTF8, "application/json");
        }

        return copy;
    }

    /// <summary>KuCoin's answer: HTTP status, "code", and "msg" or "data".</summary>
    public static async Task<(System.Net.HttpStatusCode Status, string Code, JsonElement Body)> Answer(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, document.RootElement.GetProperty("code").GetString()!, document.RootElement.Clone());
    }

    /// <summary>
    /// Sends <paramref name="head"/> (request line and headers, without the blank line) over a raw socket, so that the
    /// request target reaches the server exactly as written (HttpClient would normalise "/./" and some escapes).
    /// </summary>
    public static async Task<(int Status, string Body)> Raw(Uri server, string head)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        var bytes = Encoding.ASCII.GetBytes(head.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\nHost: " + server.Authority + "\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1], CultureInfo.InvariantCulture);
        return (status, response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    private static string Timestamp(DateTimeOffset? at) =>
        (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
