using System.Net;
using System.Security.Claims;
using System.Text.Json;
using KeyAdmin.AspNetCore;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static KeyAdmin.Verification.Tests.SignedHttp;

namespace KeyAdmin.Verification.Tests;

/// <summary>
/// KeyAdmin.AspNetCore as a service uses it: AddAuthentication().AddKeyAdmin(), policies by permission, claims,
/// the raw request target, the client's address (and a proxy's only when the operator names it), KuCoin's bodies.
/// </summary>
public sealed class AuthenticationHandlerTests : IAsyncLifetime
{
    private const string Passphrase = "handler-pass";
    private readonly Fixture fixture = new(TimeProvider.System);
    private readonly HttpClient client = new();
    private RequestVerifier? verifier;
    private WebApplication? app;

    public async Task InitializeAsync()
    {
        verifier = new RequestVerifier(fixture.Store, TimeProvider.System);
        app = TestService.KeyAdminBuilder(verifier).Build();
        app.MapGet("/whoami", (ClaimsPrincipal user) => KuCoinResponses.Success(new
        {
            name = user.Identity!.Name,
            account = user.FindFirstValue(KeyAdminClaimTypes.Account),
            keyId = user.FindFirstValue(KeyAdminClaimTypes.KeyId),
            permissions = user.FindAll(KeyAdminClaimTypes.Permission).Select(c => c.Value).ToArray(),
        })).RequireAuthorization(KeyAdminPolicies.Read);
        app.MapPost("/trade", () => KuCoinResponses.Success("traded")).RequireAuthorization(KeyAdminPolicies.Trade);
        app.MapGet("/public", () => KuCoinResponses.Success("public"));
        app.MapGet("/api/v1/accounts", () => KuCoinResponses.Success("accounts")).RequireAuthorization(KeyAdminPolicies.Read);
        await app.StartAsync();
        client.BaseAddress = new Uri(app.Urls.Single());
    }

    [Fact]
    public async Task AcceptedRequest_CarriesTheAccountTheKeyIdAndThePermissionsAsClaims()
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Trade, Passphrase);

        var answer = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Get, "/whoami", null));

        var data = answer.Body.GetProperty("data");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(("desk", "desk", key.KeyId), (data.GetProperty("name").GetString(), data.GetProperty("account").GetString(), data.GetProperty("keyId").GetString()));
        Assert.Equal(new[] { "Read", "Trade" }, data.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task BothSchemes_AreAcceptedByOneHandler()
    {
        var (kc, kcSecret) = fixture.NewKuCoinKey("kc", ApiKeyPermission.Read, Passphrase);
        var (ka, kaSecret) = fixture.NewKey("ka", ApiKeyPermission.Read);

        Assert.Equal(HttpStatusCode.OK, (await Answer(client, KcSigned(kc, kcSecret, Passphrase, HttpMethod.Get, "/whoami", null))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Answer(client, KaSigned(ka, kaSecret, HttpMethod.Get, "/whoami", null))).Status);
    }

    [Fact]
    public async Task TradePolicy_RefusesAReadKeyWith403AndKuCoins400007_AndAcceptsATradeKey()
    {
        var (reader, readerSecret) = fixture.NewKuCoinKey("reader", ApiKeyPermission.Read, Passphrase);
        var (trader, traderSecret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase);

        var refused = await Answer(client, KcSigned(reader, readerSecret, Passphrase, HttpMethod.Post, "/trade", "{}"));
        var accepted = await Answer(client, KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/trade", "{}"));

        Assert.Equal((HttpStatusCode.Forbidden, "400007"), (refused.Status, refused.Code));
        Assert.Equal((HttpStatusCode.OK, "200000"), (accepted.Status, accepted.Code));
    }

    /// <summary>
    /// The handler reads no body where the server says there can be none; a body that is there, sent with a length or
    /// chunked, is still read: on a GET it is refused (the signature covers it, so only the no-body rule can refuse it),
    /// on a POST it is what the signature is checked over.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyThatIsSent_IsRead_WithALengthOrChunked(bool chunked)
    {
        var (trader, traderSecret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase);
        var get = KcSigned(trader, traderSecret, Passphrase, HttpMethod.Get, "/whoami", "{}");
        var post = KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/trade", """{"symbol":"BTC-USDT"}""");
        var tampered = KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/trade", """{"symbol":"BTC-USDT"}""");
        tampered.Content = new StringContent("""{"symbol":"ETH-USDT"}""", System.Text.Encoding.UTF8, "application/json");
        foreach (var request in new[] { get, post, tampered })
        {
            request.Headers.TransferEncodingChunked = chunked;
        }

        var onAGet = await Answer(client, get);
        var onAPost = await Answer(client, post);
        var changed = await Answer(client, tampered);

        Assert.Equal((HttpStatusCode.BadRequest, "400100"), (onAGet.Status, onAGet.Code));
        Assert.Contains("carries no body", onAGet.Body.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "200000"), (onAPost.Status, onAPost.Code));
        Assert.Equal((HttpStatusCode.Unauthorized, "400005"), (changed.Status, changed.Code));
    }

    [Fact]
    public async Task TradeEndpoint_IsReplayProtected_BecauseTheHandlerVerifiesThePermissionThePolicyNames()
    {
        var (trader, traderSecret) = fixture.NewKey("trader", ApiKeyPermission.Trade);
        var request = KaSigned(trader, traderSecret, HttpMethod.Post, "/trade", "{}");
        var again = Clone(request);

        Assert.Equal("200000", (await Answer(client, request)).Code);
        Assert.Equal((HttpStatusCode.Unauthorized, "400002"), ((await Answer(client, again)).Status, (await Answer(client, Clone(again))).Code));
    }

    [Fact]
    public async Task UnsignedRequestToAProtectedEndpoint_Is401WithKuCoins400001()
    {
        var answer = await Answer(client, new HttpRequestMessage(HttpMethod.Get, "/whoami"));

        Assert.Equal((HttpStatusCode.Unauthorized, "400001"), (answer.Status, answer.Code));
    }

    [Fact]
    public async Task PublicEndpoint_IsNotVerified_EvenWithBrokenSigningHeaders()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/public");
        request.Headers.Add(KuCoinSigning.KeyHeader, "kak_not-a-key");

        var answer = await Answer(client, request);

        Assert.Equal((HttpStatusCode.OK, "200000"), (answer.Status, answer.Code));
    }

    [Fact]
    public async Task RequestTarget_IsVerifiedAsSent_NotAsTheDecodedNormalisedPath()
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);
        const string Sent = "/api/v1/./accounts?note=desk%20bot";

        // Kestrel routes "/api/v1/./accounts" as /api/v1/accounts; the client signed what it sent.
        var asSent = await Raw(client.BaseAddress!, Head(key, secret, Sent, signed: "/api/v1/./accounts?note=desk bot"));
        var asRouted = await Raw(client.BaseAddress!, Head(key, secret, Sent, signed: "/api/v1/accounts?note=desk bot"));

        Assert.Equal(200, asSent.Status);
        Assert.Equal(401, asRouted.Status);
        Assert.Contains("\"400005\"", asRouted.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddressNotInTheBinding_Is403WithKuCoins400006()
    {
        var (key, secret) = fixture.NewKuCoinKey("elsewhere", ApiKeyPermission.Read, Passphrase, null, "203.0.113.7");

        var answer = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Get, "/whoami", null));

        Assert.Equal((HttpStatusCode.Forbidden, "400006"), (answer.Status, answer.Code));
    }

    public Task DisposeAsync() => TestService.StopAsync(app, verifier, client, fixture);

    private static string Head(ApiKey key, byte[] secret, string sent, string signed)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var headers = KuCoinHeaders(key.KeyId, secret, Passphrase, timestamp, "GET", signed, null, "2");
        return $"GET {sent} HTTP/1.0\n" + string.Join("\n", headers.Select(h => $"{h.Name}: {h.Value}"));
    }
}

/// <summary>
/// The withdrawal code (R12) through the handler: it reads KA-2FA-CODE only for an endpoint whose policy needs
/// Withdraw, and there the code must reach the verifier, once only.
/// </summary>
public sealed class WithdrawalCodeHeaderTests : IAsyncLifetime
{
    private const string Passphrase = "withdraw-pass";
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly Fixture fixture;
    private readonly HttpClient client = new();
    private RequestVerifier? verifier;
    private WebApplication? app;

    public WithdrawalCodeHeaderTests() => fixture = new Fixture(clock);

    public async Task InitializeAsync()
    {
        verifier = new RequestVerifier(fixture.Store, clock);
        var builder = TestService.KeyAdminBuilder(verifier);
        // Registered after AddKeyAdmin, so its policies are there: the default policy (an unnamed [Authorize]) and the
        // fallback policy (an endpoint with no authorization of its own) are the Withdraw policy.
        builder.Services.Configure<AuthorizationOptions>(o =>
        {
            o.DefaultPolicy = o.GetPolicy(KeyAdminPolicies.Withdraw)!;
            o.FallbackPolicy = o.GetPolicy(KeyAdminPolicies.Withdraw);
        });
        app = builder.Build();
        app.MapPost("/withdraw", () => KuCoinResponses.Success("withdrawn")).RequireAuthorization(KeyAdminPolicies.Withdraw);
        // The same policy as ASP.NET Core also finds it: as the default policy, as the fallback policy, by a name in
        // another case, and as a policy object.
        app.MapPost("/withdraw-default-policy", () => KuCoinResponses.Success("withdrawn")).RequireAuthorization();
        app.MapPost("/withdraw-fallback-policy", () => KuCoinResponses.Success("withdrawn"));
        app.MapPost("/withdraw-lower-case", () => KuCoinResponses.Success("withdrawn")).RequireAuthorization("keyadmin.withdraw");
        var policy = app.Services.GetRequiredService<IOptions<AuthorizationOptions>>().Value.GetPolicy(KeyAdminPolicies.Withdraw)!;
        app.MapPost("/withdraw-policy-object", () => KuCoinResponses.Success("withdrawn")).RequireAuthorization(policy);
        await app.StartAsync();
        client.BaseAddress = new Uri(app.Urls.Single());
    }

    [Theory]
    [InlineData("/withdraw")]
    [InlineData("/withdraw-lower-case")]
    [InlineData("/withdraw-policy-object")]
    [InlineData("/withdraw-default-policy")]
    [InlineData("/withdraw-fallback-policy")]
    public async Task WithdrawEndpoint_OfAnAccountThatRequiresCodes_TakesTheCodeFromItsHeader_OnceOnly(string path)
    {
        var (key, secret) = fixture.NewKuCoinKey("withdrawer", ApiKeyPermission.Withdraw, Passphrase);
        clock.Advance(TimeSpan.FromSeconds(60));
        fixture.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, TwoFactorProof.FromCode(fixture.NextCode()));
        clock.Advance(TimeSpan.FromSeconds(60));
        HttpRequestMessage Withdrawal(string body, string? code)
        {
            var request = KcSigned(key, secret, Passphrase, HttpMethod.Post, path, body, at: clock.GetUtcNow());
            if (code is not null)
            {
                request.Headers.Add(KeyAdminAuthenticationDefaults.TwoFactorCodeHeader, code);
            }

            return request;
        }

        var code = fixture.NextCode();
        var withoutCode = await Answer(client, Withdrawal("""{"n":1}""", null));
        var withCode = await Answer(client, Withdrawal("""{"n":2}""", code));
        var codeAgain = await Answer(client, Withdrawal("""{"n":3}""", code));

        Assert.Equal((HttpStatusCode.Forbidden, "400007"), (withoutCode.Status, withoutCode.Code));
        Assert.Contains("need an authenticator code", withoutCode.Body.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "200000"), (withCode.Status, withCode.Code));
        Assert.Equal((HttpStatusCode.Forbidden, "400007"), (codeAgain.Status, codeAgain.Code));
        Assert.Contains("code is not valid", codeAgain.Body.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    public Task DisposeAsync() => TestService.StopAsync(app, verifier, client, fixture);
}

/// <summary>The client's address behind a reverse proxy: the proxy's X-Forwarded-For only when the operator names the proxy.</summary>
public sealed class ForwardedAddressTests : IDisposable
{
    private const string Passphrase = "proxy-pass";
    private readonly Fixture fixture = new(TimeProvider.System);

    [Theory]
    [InlineData(false, "203.0.113.7", HttpStatusCode.Forbidden)]
    [InlineData(true, "203.0.113.7", HttpStatusCode.OK)]
    [InlineData(true, "203.0.113.9", HttpStatusCode.Forbidden)]
    public async Task XForwardedFor_IsBelievedOnlyFromAKnownProxy(bool proxyKnown, string forwardedFor, HttpStatusCode expected)
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase, null, "203.0.113.7");
        using var verifier = new RequestVerifier(fixture.Store, TimeProvider.System);
        var options = new KeyAdmin.ExampleService.ExampleServiceOptions { KnownProxies = proxyKnown ? new[] { IPAddress.Loopback } : Array.Empty<IPAddress>() };
        await using var app = KeyAdmin.ExampleService.ExampleService.Build(verifier, options);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        var request = KcSigned(key, secret, Passphrase, HttpMethod.Get, "/api/v1/accounts", null);
        request.Headers.Add("X-Forwarded-For", forwardedFor);

        var answer = await Answer(client, request);

        Assert.Equal(expected, answer.Status);
        Assert.Equal(expected == HttpStatusCode.OK ? "200000" : "400006", answer.Code);
        await app.StopAsync();
    }

    public void Dispose() => fixture.Dispose();
}

/// <summary>
/// The policies name the KeyAdmin scheme unless it is the default authenticate scheme. The attack: an application
/// whose default scheme is another one, which issues principals carrying KeyAdmin's claim types (a cookie, a
/// header someone else controls). An endpoint behind a KeyAdmin policy must still need a KeyAdmin signature.
/// </summary>
public sealed class PolicySchemeTests : IAsyncLifetime
{
    private const string Passphrase = "scheme-pass";
    private const string OtherScheme = "Other";
    private readonly Fixture fixture = new(TimeProvider.System);
    private readonly HttpClient otherDefault = new();
    private readonly HttpClient keyAdminDefault = new();
    private RequestVerifier? verifier;
    private WebApplication? other;
    private WebApplication? keyAdmin;

    public async Task InitializeAsync()
    {
        verifier = new RequestVerifier(fixture.Store, TimeProvider.System);
        other = await Start(OtherScheme, otherDefault);
        keyAdmin = await Start(KeyAdminAuthenticationDefaults.AuthenticationScheme, keyAdminDefault);
    }

    [Fact]
    public async Task AnotherDefaultScheme_WhosePrincipalClaimsKeyAdminPermissions_DoesNotPassAKeyAdminPolicy()
    {
        var forged = new HttpRequestMessage(HttpMethod.Post, "/trade") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        forged.Headers.Add("X-Other-User", "mallory");

        var answer = await Answer(otherDefault, forged);

        Assert.Equal((HttpStatusCode.Unauthorized, "400001"), (answer.Status, answer.Code));
    }

    [Fact]
    public async Task AnotherDefaultScheme_StillLetsAKeyAdminSignedRequestThrough()
    {
        var (key, secret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase);

        var answer = await Answer(otherDefault, KcSigned(key, secret, Passphrase, HttpMethod.Post, "/trade", "{}"));

        Assert.Equal((HttpStatusCode.OK, "200000"), (answer.Status, answer.Code));
    }

    [Fact]
    public async Task Policies_NameTheKeyAdminScheme_OnlyWhereItIsNotTheDefault()
    {
        var named = await other!.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(KeyAdminPolicies.Trade);
        var unnamed = await keyAdmin!.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(KeyAdminPolicies.Trade);
        var (key, secret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase);
        var (reader, readerSecret) = fixture.NewKuCoinKey("reader", ApiKeyPermission.Read, Passphrase);

        Assert.Equal(new[] { KeyAdminAuthenticationDefaults.AuthenticationScheme }, named!.AuthenticationSchemes);
        Assert.Empty(unnamed!.AuthenticationSchemes);
        Assert.Equal(HttpStatusCode.OK, (await Answer(keyAdminDefault, KcSigned(key, secret, Passphrase, HttpMethod.Post, "/trade", "{}"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Answer(keyAdminDefault, KcSigned(reader, readerSecret, Passphrase, HttpMethod.Post, "/trade", "{}"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Answer(keyAdminDefault, new HttpRequestMessage(HttpMethod.Post, "/trade") { Content = new StringContent("{}") })).Status);
    }

    [Fact]
    public async Task KeyAdminDefault_AMiddlewareThatPutsAnotherPrincipalInPlace_CannotGrantKeyAdminPermissions()
    {
        // Without the scheme named in the policy, it checks HttpContext.User as it stands: a principal put there by
        // something else, with KeyAdmin's claim types, must not pass.
        var forged = new HttpRequestMessage(HttpMethod.Post, "/trade") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        forged.Headers.Add("X-Replace-User", "mallory");

        var answer = await Answer(keyAdminDefault, forged);

        Assert.NotEqual(HttpStatusCode.OK, answer.Status);
        Assert.Equal("400007", answer.Code);
    }

    [Fact]
    public async Task TwoKeyAdminSchemes_BothAreNamed_AndARequestEitherOneVerifiesPasses()
    {
        // With one of them the default, naming only the other would put that one's principal in place of the
        // default's, and a request the default verified would be refused.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(KeyAdminAuthenticationDefaults.AuthenticationScheme)
            .AddKeyAdmin(o => o.Verifier = verifier)
            .AddKeyAdmin("KeyAdmin.Second", o => o.Verifier = verifier);
        await using var app = builder.Build();
        app.MapGet("/read", () => KuCoinResponses.Success("read")).RequireAuthorization(KeyAdminPolicies.Read);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        var (key, secret) = fixture.NewKuCoinKey("reader", ApiKeyPermission.Read, Passphrase);

        var policy = await app.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(KeyAdminPolicies.Read);
        var answer = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Get, "/read", null));

        Assert.Equal(new[] { KeyAdminAuthenticationDefaults.AuthenticationScheme, "KeyAdmin.Second" }, policy!.AuthenticationSchemes.Order());
        Assert.Equal((HttpStatusCode.OK, "200000"), (answer.Status, answer.Code));
        await app.StopAsync();
    }

    [Fact]
    public async Task PoliciesCombined_EachPermissionIsAskedOfItsOwnRequirement()
    {
        // An endpoint under two KeyAdmin policies has a requirement of each; each requirement is its own handler and is
        // asked about both. A principal with Read alone must not pass Read and Trade together.
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication(KeyAdminAuthenticationDefaults.AuthenticationScheme).AddKeyAdmin(o => o.Verifier = verifier);
        await using var provider = services.BuildServiceProvider();
        var policies = provider.GetRequiredService<IAuthorizationPolicyProvider>();
        var both = AuthorizationPolicy.Combine((await policies.GetPolicyAsync(KeyAdminPolicies.Read))!, (await policies.GetPolicyAsync(KeyAdminPolicies.Trade))!);
        ClaimsPrincipal Holding(params string[] permissions) => new(new ClaimsIdentity(
            permissions.SelectMany(p => new[] { new Claim(KeyAdminClaimTypes.Permission, p), new Claim(KeyAdminClaimTypes.VerifiedPermission, p) })
                .Append(new Claim(KeyAdminClaimTypes.Account, "desk")),
            KeyAdminAuthenticationDefaults.AuthenticationScheme));
        var authorization = provider.GetRequiredService<IAuthorizationService>();

        Assert.False((await authorization.AuthorizeAsync(Holding("Read"), both)).Succeeded);
        Assert.True((await authorization.AuthorizeAsync(Holding("Read", "Trade"), both)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity(new[] { new Claim(KeyAdminClaimTypes.Permission, "Read"), new Claim(KeyAdminClaimTypes.Permission, "Trade") }, "Other")), both)).Succeeded);
    }

    [Fact]
    public async Task APolicy_AsksForThePermissionAsVerified_NotOnlyAsHeld()
    {
        // A key that holds Withdraw, verified only for Read (an endpoint whose policy the handler read as Read): its
        // withdrawal code and replay protection were not applied, so the Withdraw policy must not pass.
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication(KeyAdminAuthenticationDefaults.AuthenticationScheme).AddKeyAdmin(o => o.Verifier = verifier);
        await using var provider = services.BuildServiceProvider();
        var withdraw = (await provider.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(KeyAdminPolicies.Withdraw))!;
        var authorization = provider.GetRequiredService<IAuthorizationService>();
        ClaimsPrincipal Verified(params string[] verified) => new(new ClaimsIdentity(
            new[] { "Read", "Withdraw" }.Select(p => new Claim(KeyAdminClaimTypes.Permission, p))
                .Concat(verified.Select(p => new Claim(KeyAdminClaimTypes.VerifiedPermission, p))),
            KeyAdminAuthenticationDefaults.AuthenticationScheme));

        Assert.False((await authorization.AuthorizeAsync(Verified("Read"), withdraw)).Succeeded);
        Assert.True((await authorization.AuthorizeAsync(Verified("Read", "Withdraw"), withdraw)).Succeeded);
    }

    public async Task DisposeAsync()
    {
        await TestService.StopAsync(other);
        await TestService.StopAsync(keyAdmin);

        verifier?.Dispose();
        otherDefault.Dispose();
        keyAdminDefault.Dispose();
        fixture.Dispose();
    }

    private async Task<WebApplication> Start(string defaultScheme, HttpClient client)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(defaultScheme)
            .AddScheme<AuthenticationSchemeOptions, ForgingHandler>(OtherScheme, null)
            .AddKeyAdmin(o => o.Verifier = verifier);
        var app = builder.Build();
        app.UseAuthentication();
        app.Use((context, next) =>
        {
            if (context.Request.Headers["X-Replace-User"] is [{ } user])
            {
                context.User = ForgingHandler.Forged(user, OtherScheme);
            }

            return next(context);
        });
        app.UseAuthorization();
        app.MapPost("/trade", () => KuCoinResponses.Success("traded")).RequireAuthorization(KeyAdminPolicies.Trade);
        await app.StartAsync();
        client.BaseAddress = new Uri(app.Urls.Single());
        return app;
    }

    /// <summary>A scheme that believes a header, and gives whoever sends it every KeyAdmin permission claim.</summary>
    private sealed class ForgingHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, System.Text.Encodings.Web.UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers["X-Other-User"] is not [{ } user])
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Forged(user, Scheme.Name), Scheme.Name)));
        }

        public static ClaimsPrincipal Forged(string user, string scheme) => new(new ClaimsIdentity(
            new[] { new Claim(ClaimTypes.Name, user), new Claim(KeyAdminClaimTypes.Account, "desk") }
                .Concat(Enum.GetNames<ApiKeyPermission>().Select(p => new Claim(KeyAdminClaimTypes.Permission, p))),
            scheme));
    }
}
