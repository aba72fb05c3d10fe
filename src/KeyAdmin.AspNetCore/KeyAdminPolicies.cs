using KeyAdmin.Core.Keys;
using Microsoft.AspNetCore.Authorization;

namespace KeyAdmin.AspNetCore;

/// <summary>
/// Authorization policies by permission, registered by <c>AddKeyAdmin()</c>:
/// <c>app.MapPost("/api/v1/orders", …).RequireAuthorization(KeyAdminPolicies.Trade)</c>. The handler reads the
/// policy of the endpoint before it verifies, so the verifier itself checks the permission (and so replay
/// protection and withdrawal codes apply as the permission demands); the policy checks the claim again.
/// </summary>
public static class KeyAdminPolicies
{
    public const string Read = "KeyAdmin.Read";
    public const string Trade = "KeyAdmin.Trade";
    public const string Transfer = "KeyAdmin.Transfer";
    public const string Withdraw = "KeyAdmin.Withdraw";

    /// <summary>The permission a policy name stands for; null for a policy that is not one of these.</summary>
    public static ApiKeyPermission? PermissionOf(string? policy) => policy switch
    {
        Read => ApiKeyPermission.Read,
        Trade => ApiKeyPermission.Trade,
        Transfer => ApiKeyPermission.Transfer,
        Withdraw => ApiKeyPermission.Withdraw,
        _ => null,
    };

    internal static void Add(AuthorizationOptions options, string authenticationScheme)
    {
        foreach (var (name, permission) in new[] { (Read, ApiKeyPermission.Read), (Trade, ApiKeyPermission.Trade), (Transfer, ApiKeyPermission.Transfer), (Withdraw, ApiKeyPermission.Withdraw) })
        {
            var existing = options.GetPolicy(name);
            var builder = existing is null ? new AuthorizationPolicyBuilder() : new AuthorizationPolicyBuilder(existing);
            options.AddPolicy(name, builder
                .AddAuthenticationSchemes(authenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(KeyAdminClaimTypes.Permission, permission.ToString())
                .Build());
        }
    }
}
