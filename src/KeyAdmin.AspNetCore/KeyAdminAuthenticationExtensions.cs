using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyAdmin.AspNetCore;

/// <summary><c>builder.Services.AddAuthentication().AddKeyAdmin(o => o.Verifier = verifier)</c>.</summary>
public static class KeyAdminAuthenticationExtensions
{
    /// <summary>Adds the KeyAdmin handler under the scheme "KeyAdmin", with the policies of <see cref="KeyAdminPolicies"/>.</summary>
    public static AuthenticationBuilder AddKeyAdmin(this AuthenticationBuilder builder, Action<KeyAdminAuthenticationOptions>? configure = null) =>
        builder.AddKeyAdmin(KeyAdminAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the KeyAdmin handler under <paramref name="authenticationScheme"/>, with the policies of <see cref="KeyAdminPolicies"/>.</summary>
    public static AuthenticationBuilder AddKeyAdmin(this AuthenticationBuilder builder, string authenticationScheme, Action<KeyAdminAuthenticationOptions>? configure = null)
    {
        builder.Services.AddAuthorization();
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthenticationOptions>>((options, authentication) =>
            KeyAdminPolicies.Add(options, authenticationScheme, authentication.Value.DefaultAuthenticateScheme ?? authentication.Value.DefaultScheme));
        return builder.AddScheme<KeyAdminAuthenticationOptions, KeyAdminAuthenticationHandler>(authenticationScheme, configure);
    }
}
