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

    /// <summary>
    /// Adds the policies. Each names the KeyAdmin scheme, so that only a principal the KeyAdmin handler issued can
    /// satisfy it, unless that scheme is the application's default authenticate scheme: then the authentication
    /// middleware has already put the handler's principal in <c>HttpContext.User</c>, and naming the scheme would only
    /// make the authorization middleware ask the handler again and rebuild the principal (6 % of a verified request
    /// under load, docs/PERFORMANCE.md).
    /// </summary>
    internal static void Add(AuthorizationOptions options, string authenticationScheme, bool schemeIsDefault)
    {
        foreach (var (name, permission) in new[] { (Read, ApiKeyPermission.Read), (Trade, ApiKeyPermission.Trade), (Transfer, ApiKeyPermission.Transfer), (Withdraw, ApiKeyPermission.Withdraw) })
        {
            var existing = options.GetPolicy(name);
            var builder = existing is null ? new AuthorizationPolicyBuilder() : new AuthorizationPolicyBuilder(existing);
            if (!schemeIsDefault)
            {
                builder.AddAuthenticationSchemes(authenticationScheme);
            }

            // The permission counts only as a claim of the identity the KeyAdmin scheme authenticated: whatever else put
            // a principal in HttpContext.User (another scheme, a middleware) cannot hand out KeyAdmin's permissions.
            var word = permission.ToString();
            options.AddPolicy(name, builder
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.Identities.Any(identity =>
                    identity.IsAuthenticated && identity.AuthenticationType == authenticationScheme && identity.HasClaim(KeyAdminClaimTypes.Permission, word)))
                .Build());
        }
    }
}
