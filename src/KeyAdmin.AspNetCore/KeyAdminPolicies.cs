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

    /// <summary>
    /// The permission a policy name stands for; null for a policy that is not one of these. Without regard to case, as
    /// ASP.NET Core looks policies up: "keyadmin.withdraw" is the Withdraw policy.
    /// </summary>
    public static ApiKeyPermission? PermissionOf(string? policy) =>
        string.Equals(policy, Read, StringComparison.OrdinalIgnoreCase) ? ApiKeyPermission.Read
        : string.Equals(policy, Trade, StringComparison.OrdinalIgnoreCase) ? ApiKeyPermission.Trade
        : string.Equals(policy, Transfer, StringComparison.OrdinalIgnoreCase) ? ApiKeyPermission.Transfer
        : string.Equals(policy, Withdraw, StringComparison.OrdinalIgnoreCase) ? ApiKeyPermission.Withdraw
        : null;

    /// <summary>The permissions the KeyAdmin requirements of <paramref name="policy"/> ask for (none: 0).</summary>
    internal static ApiKeyPermission PermissionsOf(AuthorizationPolicy? policy)
    {
        var permissions = (ApiKeyPermission)0;
        if (policy is not null)
        {
            foreach (var requirement in policy.Requirements)
            {
                if (requirement is KeyAdminPermissionRequirement keyAdmin)
                {
                    permissions |= keyAdmin.Permission;
                }
            }
        }

        return permissions;
    }

    /// <summary>
    /// Adds the policies for one more KeyAdmin scheme. A policy's permission counts only as a claim of an identity that
    /// a KeyAdmin scheme authenticated (<see cref="KeyAdminPermissionRequirement"/>), so neither another scheme nor a
    /// middleware that puts a principal in <c>HttpContext.User</c> can grant it. The policy names its KeyAdmin schemes,
    /// so that the authorization middleware authenticates them, except when the only one is the application's
    /// default authenticate scheme: the authentication middleware has already run it, and naming it would make the
    /// authorization middleware ask the handler again and rebuild the principal (6 % of a verified request under
    /// load, docs/PERFORMANCE.md). With two KeyAdmin schemes both are named, so that either one's principal counts.
    /// </summary>
    internal static void Add(AuthorizationOptions options, string authenticationScheme, string? defaultScheme)
    {
        foreach (var (name, permission) in new[] { (Read, ApiKeyPermission.Read), (Trade, ApiKeyPermission.Trade), (Transfer, ApiKeyPermission.Transfer), (Withdraw, ApiKeyPermission.Withdraw) })
        {
            var existing = options.GetPolicy(name);
            var previous = existing?.Requirements.OfType<KeyAdminPermissionRequirement>().SingleOrDefault();
            var schemes = (previous?.Schemes ?? Array.Empty<string>()).Append(authenticationScheme).Distinct(StringComparer.Ordinal).ToArray();
            var builder = new AuthorizationPolicyBuilder();
            if (existing is not null)
            {
                // What the application put in a policy of this name stays; what an earlier AddKeyAdmin put is replaced.
                builder.AddRequirements(existing.Requirements.Where(r => r is not KeyAdminPermissionRequirement).ToArray());
                builder.AddAuthenticationSchemes(existing.AuthenticationSchemes.Except(schemes, StringComparer.Ordinal).ToArray());
            }

            if (schemes is not [var only] || only != defaultScheme)
            {
                builder.AddAuthenticationSchemes(schemes);
            }

            options.AddPolicy(name, builder
                .RequireAuthenticatedUser()
                .AddRequirements(new KeyAdminPermissionRequirement(permission, schemes))
                .Build());
        }
    }
}

/// <summary>
/// The permission a KeyAdmin policy asks for, as a claim of an identity one of the KeyAdmin schemes authenticated:
/// the handler gives its identity the scheme's name as its authentication type, and nothing else issues it. The
/// claim asked for is <see cref="KeyAdminClaimTypes.VerifiedPermission"/>: the request was verified for this
/// permission (its replay protection and withdrawal code included), not only signed by a key that holds it.
/// </summary>
public sealed class KeyAdminPermissionRequirement : AuthorizationHandler<KeyAdminPermissionRequirement>, IAuthorizationRequirement
{
    private readonly string word;

    internal KeyAdminPermissionRequirement(ApiKeyPermission permission, IReadOnlyList<string> schemes)
    {
        Permission = permission;
        Schemes = schemes;
        word = permission.ToString();
    }

    public ApiKeyPermission Permission { get; }

    /// <summary>The KeyAdmin schemes whose identities count.</summary>
    public IReadOnlyList<string> Schemes { get; }

    public override string ToString() => $"{nameof(KeyAdminPermissionRequirement)}: {word} from {string.Join(" or ", Schemes)}";

    /// <summary>Each KeyAdmin requirement of the policy, in one pass and without a state machine: this runs on every request.</summary>
    public override Task HandleAsync(AuthorizationHandlerContext context)
    {
        foreach (var requirement in context.Requirements)
        {
            if (requirement is KeyAdminPermissionRequirement keyAdmin)
            {
                Handle(context, keyAdmin);
            }
        }

        return Task.CompletedTask;
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, KeyAdminPermissionRequirement requirement)
    {
        Handle(context, requirement);
        return Task.CompletedTask;
    }

    private static void Handle(AuthorizationHandlerContext context, KeyAdminPermissionRequirement requirement)
    {
        foreach (var identity in context.User.Identities)
        {
            // The requirement's own, not this instance's: a policy combined from several carries several, and each
            // instance, as the handler, is asked about all of them.
            if (identity.IsAuthenticated && requirement.Schemes.Contains(identity.AuthenticationType!) && identity.HasClaim(KeyAdminClaimTypes.VerifiedPermission, requirement.word))
            {
                context.Succeed(requirement);
                return;
            }
        }
    }
}
