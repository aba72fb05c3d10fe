using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Authentication;

namespace KeyAdmin.AspNetCore;

/// <summary>How the KeyAdmin handler authenticates a request.</summary>
public sealed class KeyAdminAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// The verifier (one for the service's life, over the store the keys live in). When null, the handler uses
    /// the <see cref="RequestVerifier"/> registered in the service container.
    /// </summary>
    public RequestVerifier? Verifier { get; set; }

    /// <summary>
    /// The signing schemes accepted: KuCoin's KC-API-* headers (keys with a passphrase) and KeyAdmin's KA-API-*
    /// headers (keys without one). Both by default; a request that carries KC-API-KEY is read as KuCoin's.
    /// </summary>
    public ISet<SigningScheme> Schemes { get; } = new HashSet<SigningScheme> { SigningScheme.KuCoin, SigningScheme.KeyAdmin };

    /// <summary>The longest body the handler reads to verify; a longer one is refused without being read.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The header that carries an authenticator code for withdrawals (R12); KA-2FA-CODE by default.</summary>
    public string TwoFactorCodeHeader { get; set; } = KeyAdminAuthenticationDefaults.TwoFactorCodeHeader;

    public override void Validate()
    {
        base.Validate();
        if (Schemes.Count == 0)
        {
            throw new InvalidOperationException("KeyAdmin authentication needs at least one signing scheme in Schemes.");
        }

        if (MaxBodyBytes < 0)
        {
            throw new InvalidOperationException("MaxBodyBytes cannot be negative.");
        }
    }
}
