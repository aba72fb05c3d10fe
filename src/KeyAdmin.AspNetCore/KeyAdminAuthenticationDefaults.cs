namespace KeyAdmin.AspNetCore;

/// <summary>The names the handler is registered under and the claims it issues.</summary>
public static class KeyAdminAuthenticationDefaults
{
    /// <summary>The authentication scheme <c>AddKeyAdmin()</c> registers when given no other name.</summary>
    public const string AuthenticationScheme = "KeyAdmin";

    /// <summary>The header that carries an authenticator code, for withdrawals of accounts that require one.</summary>
    public const string TwoFactorCodeHeader = "KA-2FA-CODE";
}

/// <summary>The claims of an accepted request: whose key it was, which key, and what it may do.</summary>
public static class KeyAdminClaimTypes
{
    /// <summary>The key's account (also the identity's name).</summary>
    public const string Account = "keyadmin/account";

    /// <summary>The key id (kak_…).</summary>
    public const string KeyId = "keyadmin/key-id";

    /// <summary>One claim per permission the key holds: Read, Trade, Transfer, Withdraw.</summary>
    public const string Permission = "keyadmin/permission";

    /// <summary>
    /// One claim per permission this request was verified for (the endpoint's KeyAdmin policies; Read at least), with
    /// the replay protection and withdrawal code each demands. The KeyAdmin policies ask for this claim, so a policy
    /// the handler did not see before verifying refuses the request rather than passing it on a weaker check.
    /// </summary>
    public const string VerifiedPermission = "keyadmin/verified-permission";
}
