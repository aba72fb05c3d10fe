using System.Security;
using KeyAdmin.Core.Keys;

namespace KeyAdmin;

/// <summary>
/// The new key and its secret, handed over once (R2): a SecureString, or a string when -AsPlainText asked for
/// it. The default views never show the Secret column.
/// </summary>
public sealed class NewApiKeyResult : ApiKeyInfo
{
    internal NewApiKeyResult(IssuedKey issued, DateTimeOffset now, bool asPlainText)
        : base(issued.Key, now)
    {
        Secret = asPlainText ? Cmdlets.SecureText.ToPlain(issued.Secret) : issued.Secret;
    }

    /// <summary>The API secret: a SecureString unless -AsPlainText was given.</summary>
    public object Secret { get; }

    /// <summary>The secret as a SecureString, whatever form <see cref="Secret"/> has.</summary>
    public SecureString GetSecureSecret() => Secret as SecureString ?? Core.TwoFactor.Totp.ToSecureString((string)Secret);
}
