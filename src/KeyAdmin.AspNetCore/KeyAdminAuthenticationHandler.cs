using System.Buffers;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace KeyAdmin.AspNetCore;

/// <summary>
/// Authenticates a request signed with KuCoin's KC-API-* headers or KeyAdmin's KA-API-* headers through the
/// core's <see cref="RequestVerifier"/>, and answers a refusal as KuCoin's API does: HTTP 401 or 403 with
/// <c>{"code":"400005","msg":"…"}</c>.
/// </summary>
/// <remarks>
/// What is verified is what was sent: the raw request target (<see cref="IHttpRequestFeature.RawTarget"/>, not the
/// decoded, dot-normalised <see cref="HttpRequest.Path"/>), the body's bytes and Content-Type, and the connection's
/// remote address, which ForwardedHeadersMiddleware replaces only for proxies the operator configured as known.
/// The permission the endpoint's KeyAdmin policy names is verified here, so that replay protection and the
/// withdrawal code apply as the core decides. Endpoints that need no authorization are not verified at all.
/// </remarks>
public sealed class KeyAdminAuthenticationHandler : AuthenticationHandler<KeyAdminAuthenticationOptions>
{
    private static readonly (ApiKeyPermission Permission, string Name)[] Permissions = Enum.GetValues<ApiKeyPermission>().Select(p => (p, p.ToString())).ToArray();
    private VerificationResult? refusal;

    public KeyAdminAuthenticationHandler(IOptionsMonitor<KeyAdminAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var required = await RequiredPermissionAsync();
        if (required is null)
        {
            return AuthenticateResult.NoResult();
        }

        // Each header is looked up once: a signing header is one of the request's unknown headers, and each look-up
        // hashes its name.
        var headers = Request.Headers;
        SigningScheme scheme;
        StringValues keyId;
        if (Options.Schemes.Contains(SigningScheme.KuCoin) && headers.TryGetValue(KuCoinSigning.KeyHeader, out keyId))
        {
            scheme = SigningScheme.KuCoin;
        }
        else if (Options.Schemes.Contains(SigningScheme.KeyAdmin) && headers.TryGetValue(RequestSigner.KeyHeader, out keyId))
        {
            scheme = SigningScheme.KeyAdmin;
        }
        else
        {
            return AuthenticateResult.NoResult();
        }

        var body = await ReadBodyAsync();
        var kucoin = scheme == SigningScheme.KuCoin;
        var verifier = Options.Verifier ?? Context.RequestServices.GetRequiredService<RequestVerifier>();
        var needed = required.Value;
        var result = body is null
            ? new VerificationResult(VerificationReason.Malformed, null, null, $"The body is larger than {Options.MaxBodyBytes} bytes.")
            : verifier.Verify(new SignedRequest
            {
                Scheme = scheme,
                KeyId = keyId,
                Timestamp = headers[kucoin ? KuCoinSigning.TimestampHeader : RequestSigner.TimestampHeader],
                Signature = headers[kucoin ? KuCoinSigning.SignatureHeader : RequestSigner.SignatureHeader],
                Passphrase = kucoin ? headers[KuCoinSigning.PassphraseHeader].ToString() : null,
                KeyVersion = kucoin && headers.TryGetValue(KuCoinSigning.KeyVersionHeader, out var version) ? version.ToString() : null,
                Method = Request.Method,
                PathAndQuery = RawTarget(),
                ContentType = Request.ContentType,
                Body = body.Value,
                CallerAddress = Context.Connection.RemoteIpAddress ?? IPAddress.None,
                RequiredPermission = needed,
                // The verifier reads a code only for a withdrawal (R12); no other request looks for the header.
                TwoFactorCode = needed.HasFlag(ApiKeyPermission.Withdraw) ? headers[Options.TwoFactorCodeHeader] : (string?)null,
            });

        if (!result.Accepted)
        {
            refusal = result;
            return AuthenticateResult.Fail($"{result.Reason}: {result.Message}");
        }

        // Each claim made with the identity as its subject: a claim made without one is copied by the identity it joins.
        // The account claim is the identity's name (User.Identity.Name), so no second claim carries it.
        var identity = new ClaimsIdentity(Scheme.Name, KeyAdminClaimTypes.Account, ClaimTypes.Role);
        AddClaim(identity, KeyAdminClaimTypes.Account, result.Account!);
        AddClaim(identity, KeyAdminClaimTypes.KeyId, result.KeyId!);
        AddPermissionClaims(identity, KeyAdminClaimTypes.Permission, result.Permissions!.Value);
        // What the verifier checked this request for, with the replay protection and withdrawal code that demands: the
        // policies ask for these, so an endpoint whose permission was read wrongly is refused, not let through.
        AddPermissionClaims(identity, KeyAdminClaimTypes.VerifiedPermission, ApiKeyPermissions.Normalize(needed));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    /// <summary>One claim of <paramref name="type"/> for each permission in <paramref name="permissions"/>, by its name.</summary>
    private static void AddPermissionClaims(ClaimsIdentity identity, string type, ApiKeyPermission permissions)
    {
        foreach (var (permission, name) in Permissions)
        {
            if ((permissions & permission) == permission)
            {
                AddClaim(identity, type, name);
            }
        }
    }

    private static void AddClaim(ClaimsIdentity identity, string type, string value) =>
        identity.AddClaim(new Claim(type, value, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));

    /// <summary>401 (or 403 for an address or permission refusal) with KuCoin's body: what KuCoin's clients expect.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        var (code, status) = refusal is null ? KuCoinCodes.For(VerificationReason.MissingHeader) : KuCoinCodes.For(refusal.Reason);
        var message = refusal?.Message ?? $"The request is not signed: the {KuCoinSigning.KeyHeader} (or {RequestSigner.KeyHeader}) header and the rest of the signing headers are missing.";
        await KuCoinResponses.WriteErrorAsync(Response, status, code, message);
    }

    /// <summary>An authenticated key whose permissions the endpoint's policy does not allow: 403, KuCoin's 400007.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var (code, status) = KuCoinCodes.For(VerificationReason.PermissionMissing);
        return KuCoinResponses.WriteErrorAsync(Response, status, code, "Access denied: the key does not hold the permission this endpoint needs.");
    }

    /// <summary>
    /// The permissions the endpoint's KeyAdmin policies ask for (Read when it needs authorization of another kind);
    /// null when the endpoint needs no authorization at all, so that public endpoints cost no verification. Policies
    /// are found as the authorization middleware finds them: by name (without regard to case), as policy objects in
    /// the endpoint's metadata, the default policy for an unnamed [Authorize], and the fallback policy. Whatever
    /// this misses is still refused: the policies ask for the permission as verified (<see cref="KeyAdminClaimTypes.VerifiedPermission"/>).
    /// </summary>
    private async ValueTask<ApiKeyPermission?> RequiredPermissionAsync()
    {
        var endpoint = Context.GetEndpoint();
        if (endpoint is null)
        {
            return ApiKeyPermission.Read;
        }

        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return null;
        }

        var authorize = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
        var policyObjects = endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>();
        IAuthorizationPolicyProvider? policies = null;
        var permission = ApiKeyPermission.Read;
        if (authorize.Count == 0 && policyObjects.Count == 0)
        {
            policies = Context.RequestServices.GetService<IAuthorizationPolicyProvider>();
            var fallback = policies is null ? null : await policies.GetFallbackPolicyAsync();
            if (fallback is null)
            {
                return null;
            }

            permission |= KeyAdminPolicies.PermissionsOf(fallback);
        }

        foreach (var data in authorize)
        {
            if (KeyAdminPolicies.PermissionOf(data.Policy) is { } named)
            {
                permission |= named;
                continue;
            }

            // Another policy (the default one for [Authorize] without a name): it may hold KeyAdmin's requirements.
            policies ??= Context.RequestServices.GetService<IAuthorizationPolicyProvider>();
            if (policies is not null)
            {
                permission |= KeyAdminPolicies.PermissionsOf(data.Policy is null ? await policies.GetDefaultPolicyAsync() : await policies.GetPolicyAsync(data.Policy));
            }
        }

        foreach (var policy in policyObjects)
        {
            permission |= KeyAdminPolicies.PermissionsOf(policy);
        }

        return permission;
    }

    /// <summary>The request target as the client sent it: path and query, percent-encoding untouched.</summary>
    private string RawTarget()
    {
        var raw = Context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            return Request.PathBase.ToUriComponent() + Request.Path.ToUriComponent() + Request.QueryString.ToUriComponent();
        }

        if (raw[0] == '/')
        {
            return raw;
        }

        // The absolute form a client sends to a proxy ("http://host/path?query"): the path starts after the authority.
        var authority = raw.IndexOf("://", StringComparison.Ordinal);
        var path = authority < 0 ? -1 : raw.IndexOf('/', authority + 3);
        return path < 0 ? "/" : raw[path..];
    }

    /// <summary>The body's bytes, buffered so that the endpoint reads it again; null when it is over the limit.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> ReadBodyAsync()
    {
        // A request that the server knows has no body (HTTP/1.x without Content-Length or chunking, HTTP/2 ended with
        // its headers) is verified over the empty body it has, without a buffer: reading it would return nothing.
        if (Context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (Request.ContentLength > Options.MaxBodyBytes)
        {
            return null;
        }

        Request.EnableBuffering();
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await Request.Body.ReadAsync(buffer.GetMemory(16 * 1024), Context.RequestAborted);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > Options.MaxBodyBytes)
            {
                return null;
            }
        }

        Request.Body.Position = 0;
        return buffer.WrittenMemory;
    }
}
