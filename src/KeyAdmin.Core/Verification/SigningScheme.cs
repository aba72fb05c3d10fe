namespace KeyAdmin.Core.Verification;

/// <summary>Which headers a request was signed with. Both sign the same message; they differ in the passphrase.</summary>
public enum SigningScheme
{
    /// <summary>KA-API-KEY, KA-API-TIMESTAMP, KA-API-SIGN: keys created without a passphrase.</summary>
    KeyAdmin,

    /// <summary>KuCoin's KC-API-KEY, -TIMESTAMP, -SIGN, -PASSPHRASE and -KEY-VERSION: keys created with a passphrase.</summary>
    KuCoin,
}
