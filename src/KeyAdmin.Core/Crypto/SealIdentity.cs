namespace KeyAdmin.Core.Crypto;

/// <summary>The associated data that binds a sealed value to the record it belongs to.</summary>
public static class SealIdentity
{
    public static string ApiKey(string keyId) => "apikey:" + keyId;

    public static string Authenticator(string authenticatorId) => "authenticator:" + authenticatorId;
}
