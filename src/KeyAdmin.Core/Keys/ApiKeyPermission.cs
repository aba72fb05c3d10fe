namespace KeyAdmin.Core.Keys;

/// <summary>
/// What a key may do. Chosen at creation and never changed (R3). Read ("General") is always present.
/// </summary>
[Flags]
public enum ApiKeyPermission
{
    Read = 1,
    Trade = 2,
    Transfer = 4,
    Withdraw = 8,
}

public static class ApiKeyPermissions
{
    /// <summary>Withdraw and Transfer move funds: they need an IP binding unless explicitly overridden (R6).</summary>
    public const ApiKeyPermission Sensitive = ApiKeyPermission.Transfer | ApiKeyPermission.Withdraw;

    public const ApiKeyPermission All = ApiKeyPermission.Read | ApiKeyPermission.Trade | ApiKeyPermission.Transfer | ApiKeyPermission.Withdraw;

    public static ApiKeyPermission Normalize(ApiKeyPermission requested) => (requested & All) | ApiKeyPermission.Read;

    public static bool IsSensitive(this ApiKeyPermission permissions) => (permissions & Sensitive) != 0;

    public static IReadOnlyList<ApiKeyPermission> Split(this ApiKeyPermission permissions) =>
        Enum.GetValues<ApiKeyPermission>().Where(p => permissions.HasFlag(p)).ToArray();
}
