using System.Net;
using KeyAdmin.AspNetCore;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.HttpOverrides;

namespace KeyAdmin.ExampleService;

/// <summary>
/// A small KuCoin-compatible API on KeyAdmin's authentication handler: public market data for clients that load
/// markets, then accounts and orders (Read), new orders (Trade) and withdrawals (Withdraw), each answered in
/// KuCoin's envelope. KuCoin's own client libraries (kucoin-universal-sdk, ccxt) use it unmodified.
/// </summary>
public static class ExampleService
{
    /// <summary>Where the load test's unverified copy of GET /api/v1/accounts lives, when it is mapped at all.</summary>
    public const string UnverifiedBaselinePrefix = "/unverified";

    public static WebApplication Build(RequestVerifier verifier, ExampleServiceOptions? options = null)
    {
        options ??= new ExampleServiceOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Url);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(verifier);
        builder.Services.AddSingleton(new Exchange(TimeProvider.System));
        builder.Services.AddAuthentication(KeyAdminAuthenticationDefaults.AuthenticationScheme).AddKeyAdmin();
        var behindProxy = options.KnownProxies.Count > 0 || options.KnownNetworks.Count > 0;
        if (behindProxy)
        {
            builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
            {
                // Only the operator's proxies may name the client: without this, any caller could claim to be
                // inside a key's IP binding by sending X-Forwarded-For. The defaults (loopback) are cleared too.
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                foreach (var proxy in options.KnownProxies)
                {
                    forwarded.KnownProxies.Add(proxy);
                }

                foreach (var network in options.KnownNetworks)
                {
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }
            });
        }

        var app = builder.Build();
        if (behindProxy)
        {
            app.UseForwardedHeaders();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        MapPublic(app);
        MapPrivate(app);
        if (options.UnverifiedBaselineAccount is { } baseline)
        {
            MapUnverifiedBaseline(app, baseline);
        }

        return app;
    }

    private static void MapPublic(WebApplication app)
    {
        app.MapGet("/api/v1/timestamp", (Exchange exchange) => KuCoinResponses.Success(exchange.Now.ToUnixTimeMilliseconds()));
        app.MapGet("/api/v2/symbols", () => KuCoinResponses.Success(Market.Symbols));
        app.MapGet("/api/v3/currencies", () => KuCoinResponses.Success(Market.Currencies));
    }

    private static void MapPrivate(WebApplication app)
    {
        app.MapGet("/api/v1/accounts", (HttpContext http, Exchange exchange, string? currency, string? type) => Accounts(exchange, Account(http), currency, type))
            .RequireAuthorization(KeyAdminPolicies.Read);
        app.MapGet("/api/v1/orders", (HttpContext http, Exchange exchange, string? status, string? symbol, string? side) =>
                KuCoinResponses.Success(exchange.Orders(Account(http), status, symbol, side)))
            .RequireAuthorization(KeyAdminPolicies.Read);
        app.MapPost("/api/v1/orders", async (HttpContext http, Exchange exchange) =>
                Answer(exchange.PlaceOrder(Account(http), await Body(http))))
            .RequireAuthorization(KeyAdminPolicies.Trade);
        app.MapPost("/api/v1/withdrawals", async (HttpContext http, Exchange exchange) =>
                Answer(exchange.Withdraw(Account(http), await Body(http), addressField: "address")))
            .RequireAuthorization(KeyAdminPolicies.Withdraw);
        app.MapPost("/api/v3/withdrawals", async (HttpContext http, Exchange exchange) =>
                Answer(exchange.Withdraw(Account(http), await Body(http), addressField: "toAddress")))
            .RequireAuthorization(KeyAdminPolicies.Withdraw);
    }

    /// <summary>
    /// For load tests only (<see cref="ExampleServiceOptions.UnverifiedBaselineAccount"/>): GET /api/v1/accounts's
    /// handler under <see cref="UnverifiedBaselinePrefix"/>, for one fixed account and without authorization, so
    /// that the handler does not verify it (it verifies only endpoints that need authorization). A load test then
    /// measures the same endpoint with and without verification, served by the same process in the same run.
    /// </summary>
    private static void MapUnverifiedBaseline(WebApplication app, string account) =>
        app.MapGet(UnverifiedBaselinePrefix + "/api/v1/accounts", (Exchange exchange, string? currency, string? type) => Accounts(exchange, account, currency, type));

    private static IResult Accounts(Exchange exchange, string account, string? currency, string? type) =>
        KuCoinResponses.Success(exchange.Accounts(account, currency, type));

    private static string Account(HttpContext http) => http.User.FindFirst(KeyAdminClaimTypes.Account)!.Value;

    private static async Task<System.Text.Json.JsonElement> Body(HttpContext http)
    {
        // The handler has checked that a body is the JSON its Content-Type says; no body reads as an empty object.
        using var copy = new MemoryStream();
        await http.Request.Body.CopyToAsync(copy, http.RequestAborted);
        using var document = System.Text.Json.JsonDocument.Parse(copy.Length == 0 ? "{}"u8.ToArray() : copy.ToArray());
        return document.RootElement.Clone();
    }

    private static IResult Answer((object? Data, string? Problem) outcome) =>
        outcome.Problem is null ? KuCoinResponses.Success(outcome.Data) : KuCoinResponses.Error(StatusCodes.Status400BadRequest, "400100", outcome.Problem);
}

/// <summary>Where the example service listens, and which proxies may name the client with X-Forwarded-For.</summary>
public sealed record ExampleServiceOptions
{
    public string Url { get; init; } = "http://127.0.0.1:0";

    /// <summary>Proxies whose X-Forwarded-For is believed; none by default (the connection's address is the caller).</summary>
    public IReadOnlyList<IPAddress> KnownProxies { get; init; } = Array.Empty<IPAddress>();

    /// <summary>Networks (CIDR) of such proxies.</summary>
    public IReadOnlyList<string> KnownNetworks { get; init; } = Array.Empty<string>();

    /// <summary>
    /// For load tests only: when set, GET /unverified/api/v1/accounts answers for this account without any
    /// authentication (the baseline of bench/KeyAdmin.Benchmarks' service command). Null, and so not mapped, by default.
    /// </summary>
    public string? UnverifiedBaselineAccount { get; init; }
}
