using System.Diagnostics;
using System.Net;
using System.Text.Json;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Builder;
using static KeyAdmin.Verification.Tests.SignedHttp;

namespace KeyAdmin.Verification.Tests;

/// <summary>Real signed HTTP requests against the example service (a small KuCoin-compatible API) on 127.0.0.1.</summary>
public sealed class ExampleServiceTests : IAsyncLifetime
{
    private const string Passphrase = "desk-pass-1";
    private readonly Fixture fixture = new(TimeProvider.System);
    private readonly HttpClient client = new();
    private RequestVerifier? verifier;
    private WebApplication? app;

    public async Task InitializeAsync()
    {
        verifier = new RequestVerifier(fixture.Store, TimeProvider.System);
        app = KeyAdmin.ExampleService.ExampleService.Build(verifier);
        await app.StartAsync();
        client.BaseAddress = new Uri(app.Urls.Single());
    }

    [Fact]
    public async Task PublicMarketData_IsServedWithoutASignature_InKuCoinsEnvelope()
    {
        var time = await Answer(client, new HttpRequestMessage(HttpMethod.Get, "/api/v1/timestamp"));
        var symbols = await Answer(client, new HttpRequestMessage(HttpMethod.Get, "/api/v2/symbols"));
        var currencies = await Answer(client, new HttpRequestMessage(HttpMethod.Get, "/api/v3/currencies"));

        Assert.Equal((HttpStatusCode.OK, "200000"), (time.Status, time.Code));
        Assert.InRange(time.Body.GetProperty("data").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
        Assert.Contains("BTC-USDT", symbols.Body.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("symbol").GetString()));
        var btc = currencies.Body.GetProperty("data").EnumerateArray().Single(c => c.GetProperty("currency").GetString() == "BTC");
        Assert.True(btc.GetProperty("chains")[0].GetProperty("isWithdrawEnabled").GetBoolean());
    }

    [Fact]
    public async Task SignedRead_WithKeyAdminsHeaders_IsAnsweredWithTheAccountsBalances()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read, "127.0.0.1");

        var answer = await Answer(client, KaSigned(key, secret, HttpMethod.Get, "/api/v1/accounts?currency=BTC", null));

        Assert.Equal((HttpStatusCode.OK, "200000"), (answer.Status, answer.Code));
        Assert.All(answer.Body.GetProperty("data").EnumerateArray(), a => Assert.Equal("BTC", a.GetProperty("currency").GetString()));
    }

    [Fact]
    public async Task KuCoinScheme_OrderThenListThenWithdrawal_AreAnsweredInKuCoinsShapes()
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Trade | ApiKeyPermission.Withdraw, Passphrase, null, "127.0.0.1");
        var order = """{"clientOid":"c1","side":"buy","symbol":"BTC-USDT","type":"limit","price":"30000","size":"0.01"}""";

        var placed = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Post, "/api/v1/orders", order));
        var listed = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Get, "/api/v1/orders?status=active&symbol=BTC-USDT", null, version: "2"));
        var withdrawn = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Post, "/api/v1/withdrawals", """{"currency":"USDT","address":"TXYZ","amount":"10"}"""));

        Assert.Equal((HttpStatusCode.OK, "200000"), (placed.Status, placed.Code));
        var orderId = placed.Body.GetProperty("data").GetProperty("orderId").GetString();
        var item = Assert.Single(listed.Body.GetProperty("data").GetProperty("items").EnumerateArray());
        Assert.Equal((orderId, "c1", true), (item.GetProperty("id").GetString(), item.GetProperty("clientOid").GetString(), item.GetProperty("isActive").GetBoolean()));
        Assert.Equal((HttpStatusCode.OK, "200000"), (withdrawn.Status, withdrawn.Code));
        Assert.Equal(24, withdrawn.Body.GetProperty("data").GetProperty("withdrawalId").GetString()!.Length);
    }

    [Fact]
    public async Task RequestsThatMustFail_AreRefusedWithKuCoinsCodes()
    {
        var (trader, traderSecret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase, null, "127.0.0.1");
        var (elsewhere, elsewhereSecret) = fixture.NewKuCoinKey("elsewhere", ApiKeyPermission.Trade, Passphrase, null, "203.0.113.7");
        var (disabled, disabledSecret) = fixture.NewKuCoinKey("disabled", ApiKeyPermission.Trade, Passphrase, null, "127.0.0.1");
        fixture.Authority.Keys.Disable(disabled.KeyId, "test");
        const string Order = """{"side":"buy","symbol":"BTC-USDT","type":"limit","price":"1","size":"1"}""";
        var order = KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/api/v1/orders", Order);
        var replay = Clone(order);
        var tampered = KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/api/v1/orders", Order);
        tampered.Content = new StringContent(Order.Replace("\"1\"", "\"1000\"", StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");

        Assert.Equal("200000", (await Answer(client, order)).Code);
        await AssertRefused(replay, HttpStatusCode.Unauthorized, "400002");
        await AssertRefused(KcSigned(trader, "kas_wrong"u8.ToArray(), Passphrase, HttpMethod.Post, "/api/v1/orders", Order), HttpStatusCode.Unauthorized, "400005");
        await AssertRefused(KcSigned(trader, traderSecret, "not-the-passphrase", HttpMethod.Post, "/api/v1/orders", Order), HttpStatusCode.Unauthorized, "400004");
        await AssertRefused(KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/api/v1/orders", Order, version: null), HttpStatusCode.Unauthorized, "400009");
        await AssertRefused(KcSigned(disabled, disabledSecret, Passphrase, HttpMethod.Post, "/api/v1/orders", Order), HttpStatusCode.Unauthorized, "400003");
        await AssertRefused(KcSigned(elsewhere, elsewhereSecret, Passphrase, HttpMethod.Post, "/api/v1/orders", Order), HttpStatusCode.Forbidden, "400006");
        await AssertRefused(KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/api/v1/withdrawals", "{}"), HttpStatusCode.Forbidden, "400007");
        await AssertRefused(KcSigned(trader, traderSecret, Passphrase, HttpMethod.Post, "/api/v1/orders", Order, at: DateTimeOffset.UtcNow.AddSeconds(-30)), HttpStatusCode.Unauthorized, "400002");
        await AssertRefused(tampered, HttpStatusCode.Unauthorized, "400005");
        await AssertRefused(new HttpRequestMessage(HttpMethod.Get, "/api/v1/accounts"), HttpStatusCode.Unauthorized, "400001");
        var getWithBody = KcSigned(trader, traderSecret, Passphrase, HttpMethod.Get, "/api/v1/accounts", "{}");
        await AssertRefused(getWithBody, HttpStatusCode.BadRequest, "400100");
    }

    [Fact]
    public async Task OrderTheExchangeCannotTake_IsAnsweredWithKuCoinsParameterError()
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Trade, Passphrase, null, "127.0.0.1");

        var answer = await Answer(client, KcSigned(key, secret, Passphrase, HttpMethod.Post, "/api/v1/orders", """{"side":"buy","symbol":"DOGE-EUR","type":"limit","price":"1","size":"1"}"""));

        Assert.Equal((HttpStatusCode.BadRequest, "400100"), (answer.Status, answer.Code));
        Assert.Contains("symbol", answer.Body.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisableInAnotherProcess_IsRefusedByTheServiceWithinOneSecond()
    {
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Read, Passphrase);
        using var service = OtherProcess.StartService(fixture.StorePath);
        using var remote = new HttpClient { BaseAddress = service.Address };
        Assert.Equal(HttpStatusCode.OK, (await Answer(remote, KcSigned(key, secret, Passphrase, HttpMethod.Get, "/api/v1/accounts", null))).Status);

        fixture.Authority.Keys.Disable(key.KeyId, "leaked");
        var disabledAt = Stopwatch.StartNew();
        var sent = new List<(long SentAtMs, HttpStatusCode Status, string Code)>();
        // Until a few requests were sent a second or more after the disable: under load one round trip can take
        // longer than the half second the loop would otherwise leave for them.
        while (sent.Count(s => s.SentAtMs >= 1000) < 3 && disabledAt.Elapsed < TimeSpan.FromSeconds(20))
        {
            var sentAt = disabledAt.ElapsedMilliseconds;
            var answer = await Answer(remote, KcSigned(key, secret, Passphrase, HttpMethod.Get, "/api/v1/accounts", null));
            sent.Add((sentAt, answer.Status, answer.Code));
        }

        // R9: every request sent a second or more after the disable is refused by the other process, with KuCoin's code.
        var late = sent.Where(s => s.SentAtMs >= 1000).ToList();
        Assert.NotEmpty(late);
        Assert.All(late, s => Assert.Equal((HttpStatusCode.Unauthorized, "400003"), (s.Status, s.Code)));
    }

    [Fact]
    public async Task TwoServiceProcessesOnOneStore_AnOrderAcceptedByOneIsReplayedAtTheOther()
    {
        var (key, secret) = fixture.NewKuCoinKey("trader", ApiKeyPermission.Trade, Passphrase);
        using var first = OtherProcess.StartService(fixture.StorePath);
        using var second = OtherProcess.StartService(fixture.StorePath);
        using var toFirst = new HttpClient { BaseAddress = first.Address };
        using var toSecond = new HttpClient { BaseAddress = second.Address };
        var order = KcSigned(key, secret, Passphrase, HttpMethod.Post, "/api/v1/orders", """{"side":"sell","symbol":"ETH-USDT","type":"limit","price":"2000","size":"1"}""");
        var captured = Clone(order);

        var accepted = await Answer(toFirst, order);
        var replayed = await Answer(toSecond, captured);

        Assert.Equal((HttpStatusCode.OK, "200000"), (accepted.Status, accepted.Code));
        Assert.Equal((HttpStatusCode.Unauthorized, "400002"), (replayed.Status, replayed.Code));
        Assert.Contains("already accepted", replayed.Body.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.OK)]
    [InlineData("All", HttpStatusCode.Unauthorized)]
    public async Task ReadReplayOption_DecidesWhetherTheSameSignedGetIsAcceptedTwice(string? readReplay, HttpStatusCode second)
    {
        var (key, secret) = fixture.NewKuCoinKey("reader", ApiKeyPermission.Read, Passphrase);
        using var service = OtherProcess.StartService(fixture.StorePath, readReplay is null ? Array.Empty<string>() : new[] { "--read-replay", readReplay });
        using var remote = new HttpClient { BaseAddress = service.Address };
        var read = KcSigned(key, secret, Passphrase, HttpMethod.Get, "/api/v1/accounts", null);
        var again = Clone(read);

        Assert.Equal(HttpStatusCode.OK, (await Answer(remote, read)).Status);
        Assert.Equal(second, (await Answer(remote, again)).Status);
    }

    [Fact]
    public async Task AcceptedRequests_ShowAsLastUseWithinSeconds()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);

        Assert.Equal(HttpStatusCode.OK, (await Answer(client, KaSigned(key, secret, HttpMethod.Get, "/api/v1/accounts", null))).Status);

        var deadline = Stopwatch.StartNew();
        while (fixture.Authority.Keys.Get(key.KeyId).LastUsedAt is null && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(100);
        }

        var stored = fixture.Authority.Keys.Get(key.KeyId);
        Assert.NotNull(stored.LastUsedAt);
        Assert.Equal("127.0.0.1", stored.LastUsedAddress);
    }

    public Task DisposeAsync() => TestService.StopAsync(app, verifier, client, fixture);

    private async Task AssertRefused(HttpRequestMessage request, HttpStatusCode status, string code)
    {
        var answer = await Answer(client, request);
        Assert.Equal((status, code), (answer.Status, answer.Code));
        Assert.False(string.IsNullOrEmpty(answer.Body.GetProperty("msg").GetString()));
    }
}
