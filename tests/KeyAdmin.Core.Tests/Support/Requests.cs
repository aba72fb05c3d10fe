using System.Globalization;
using System.Net;
using System.Text;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>Signed requests as clients send them, for the tests that verify them against a store.</summary>
public static class Requests
{
    public static SignedRequest Sign(IssuedKey key, DateTimeOffset at, string method, string path, string body = "", ApiKeyPermission permission = ApiKeyPermission.Read, string caller = "203.0.113.7")
    {
        var secret = Encoding.ASCII.GetBytes(Harness.Reveal(key.Secret));
        var timestamp = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes(body);
        return new SignedRequest
        {
            KeyId = key.Key.KeyId,
            Timestamp = timestamp,
            Signature = RequestSigner.Sign(secret, timestamp, method, path, bytes),
            Method = method,
            PathAndQuery = path,
            ContentType = bytes.Length == 0 ? null : "application/json",
            Body = bytes,
            CallerAddress = IPAddress.Parse(caller),
            RequiredPermission = permission,
        };
    }

    /// <summary>The same with KuCoin's headers: the passphrase as key versions 2 and 3 send it.</summary>
    public static SignedRequest SignKuCoin(IssuedKey key, string passphrase, DateTimeOffset at, string method, string path, string body = "", ApiKeyPermission permission = ApiKeyPermission.Read)
    {
        var secret = Encoding.ASCII.GetBytes(Harness.Reveal(key.Secret));
        return Sign(key, at, method, path, body, permission) with
        {
            Scheme = SigningScheme.KuCoin,
            Passphrase = KuCoinSigning.SignPassphrase(secret, Encoding.ASCII.GetBytes(passphrase)),
            KeyVersion = "2",
        };
    }

    public static System.Security.SecureString Secure(string text) => new NetworkCredential(string.Empty, text).SecurePassword;
}
