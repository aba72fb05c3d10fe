namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>The parameter sets of cmdlets that work on an account's authenticators or on the store administrator's.</summary>
internal static class SubjectParameters
{
    public const string Account = "Account";

    public const string StoreAdministrator = "StoreAdministrator";

    /// <summary>The core's name of the subject: the account, or the store administrator's reserved name.</summary>
    public static string Of(bool storeAdministrator, string account) =>
        storeAdministrator ? Core.Accounts.StoreAdministrator.AccountName : account;

    /// <summary>How ShouldProcess and error targets name the subject.</summary>
    public static string Describe(bool storeAdministrator, string account) =>
        storeAdministrator ? "store administrator" : account;
}
