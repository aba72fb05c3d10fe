namespace KeyAdmin.Core.Crypto;

/// <summary>The associated data that binds a sealed value to the record it belongs to.</summary>
public static class SealIdentity
{
    public static string ApiKey(string keyId) => "apikey:" + keyId;

    /// <summary>A key's passphrase: its own label, so that its sealed value cannot be passed off as the key's secret.</summary>
    public static string ApiKeyPassphrase(string keyId) => "apikey-passphrase:" + keyId;

    public static string Authenticator(string authenticatorId) => "authenticator:" + authenticatorId;
}
