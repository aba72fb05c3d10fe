namespace KeyAdmin.Core.Accounts;

/// <summary>
/// The holder of the second factor for store-wide settings (the policy): stored as an account of its own, with a
/// name no account can have, so that it has what every account has (a person's authenticator, recovery codes,
/// lockout, a cooling-off after a reset) and no keys. Enrolled once per store, by New-KeyAdminStoreAdministrator.
/// </summary>
public static class StoreAdministrator
{
    /// <summary>Its name in the audit log; the parentheses keep it out of the account names anyone can create.</summary>
    public const string AccountName = "(store)";

    /// <summary>"account 'desk'", or "the store administrator": how messages name whose factor is asked for.</summary>
    public static string Describe(string accountName) => accountName == AccountName ? "the store administrator" : $"account '{accountName}'";
}
