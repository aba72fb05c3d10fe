using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Builder;

namespace KeyAdmin.Verification.Tests;

/// <summary>Real signed HTTP requests against the example service on 127.0.0.1.</summary>
public sealed class ExampleServiceTests : IAsyncLifetime
{
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
    public async Task SignedRead_IsAnsweredWithTheAccount()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read, "127.0.0.1");

        using var response = await client.SendAsync(Signed(key, secret, HttpMethod.Get, "/api/v1/accounts?currency=BTC", null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"account\":\"desk\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsThatMustFail_AreRefusedWithTheirReason()
    {
        var (trader, traderSecret) = fixture.NewKey("trader", ApiKeyPermission.Trade, "127.0.0.1");
        var (elsewhere, elsewhereSecret) = fixture.NewKey("elsewhere", ApiKeyPermission.Trade, "203.0.113.7");
        var (disabled, disabledSecret) = fixture.NewKey("disabled", ApiKeyPermission.Trade, "127.0.0.1");
        fixture.Authority.Keys.Disable(disabled.KeyId, "test");
        var order = Signed(trader, traderSecret, HttpMethod.Post, "/api/v1/orders", "{\"size\":1}");
        var replay = Clone(order);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(order)).StatusCode);
        await AssertRefused(replay, HttpStatusCode.Unauthorized, "Replayed");
        await AssertRefused(Signed(trader, Encoding.ASCII.GetBytes("kas_wrong"), HttpMethod.Post, "/api/v1/orders", "{}"), HttpStatusCode.Unauthorized, "BadSignature");
        await AssertRefused(Signed(disabled, disabledSecret, HttpMethod.Post, "/api/v1/orders", "{}"), HttpStatusCode.Unauthorized, "Disabled");
        await AssertRefused(Signed(elsewhere, elsewhereSecret, HttpMethod.Post, "/api/v1/orders", "{}"), HttpStatusCode.Forbidden, "AddressNotAllowed");
        await AssertRefused(Signed(trader, traderSecret, HttpMethod.Post, "/api/v1/withdrawals", "{}"), HttpStatusCode.Forbidden, "PermissionMissing");
        await AssertRefused(Signed(trader, traderSecret, HttpMethod.Post, "/api/v1/orders", "{}", DateTimeOffset.UtcNow.AddSeconds(-30)), HttpStatusCode.Unauthorized, "StaleTimestamp");
        var tampered = Signed(trader, traderSecret, HttpMethod.Post, "/api/v1/orders", "{\"size\":1}");
        tampered.Content = new StringContent("{\"size\":1000}", Encoding.UTF8);
        await AssertRefused(tampered, HttpStatusCode.Unauthorized, "BadSignature");
    }

    [Fact]
    public async Task DisableInAnotherProcess_IsRefusedByTheServiceWithinOneSecond()
    {
        var (key, secret) = fixture.NewKey("bot", ApiKeyPermission.Read);
        using var service = OtherProcess.StartService(fixture.StorePath);
        using var remote = new HttpClient { BaseAddress = service.Address };
        Assert.Equal(HttpStatusCode.OK, (await remote.SendAsync(Signed(key, secret, HttpMethod.Get, "/api/v1/accounts", null))).StatusCode);

        fixture.Authority.Keys.Disable(key.KeyId, "leaked");
        var disabledAt = Stopwatch.StartNew();
        var sent = new List<(long SentAtMs, HttpStatusCode Status)>();
        // Until a few requests were sent a second or more after the disable: under load one round trip can take
        // longer than the half second the loop would otherwise leave for them.
        while (sent.Count(s => s.SentAtMs >= 1000) < 3 && disabledAt.Elapsed < TimeSpan.FromSeconds(20))
        {
            var sentAt = disabledAt.ElapsedMilliseconds;
            using var response = await remote.SendAsync(Signed(key, secret, HttpMethod.Get, "/api/v1/accounts", null));
            sent.Add((sentAt, response.StatusCode));
        }

        // R9: every request sent a second or more after the disable is refused by the other process.
        var late = sent.Where(s => s.SentAtMs >= 1000).ToList();
        Assert.NotEmpty(late);
        Assert.All(late, s => Assert.Equal(HttpStatusCode.Unauthorized, s.Status));
    }

    [Fact]
    public async Task AcceptedRequests_ShowAsLastUseWithinSeconds()
    {
        var (key, secret) = fixture.NewKey("reader", ApiKeyPermission.Read);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Signed(key, secret, HttpMethod.Get, "/api/v1/accounts", null))).StatusCode);

        var deadline = Stopwatch.StartNew();
        while (fixture.Authority.Keys.Get(key.KeyId).LastUsedAt is null && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(100);
        }

        var stored = fixture.Authority.Keys.Get(key.KeyId);
        Assert.NotNull(stored.LastUsedAt);
        Assert.Equal("127.0.0.1", stored.LastUsedAddress);
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        verifier?.Dispose();
        client.Dispose();
        fixture.Dispose();
    }

    private static HttpRequestMessage Signed(ApiKey key, byte[] secret, HttpMethod method, string path, string? body, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
        }

        request.Headers.Add(RequestSigner.KeyHeader, key.KeyId);
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp);
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(secret, timestamp, method.Method, path, Encoding.UTF8.GetBytes(body ?? string.Empty)));
        return request;
    }

    private static HttpRequestMessage Clone(HttpRequestMessage original)
    {
        var copy = new HttpRequestMessage(original.Method, original.RequestUri);
        foreach (var header in original.Headers)
        {
            copy.Headers.Add(header.Key, header.Value);
        }

        copy.Content = new StringContent(original.Content!.ReadAsStringAsync().Result, Encoding.UTF8);
        return copy;
    }

    private async Task AssertRefused(HttpRequestMessage request, HttpStatusCode status, string reason)
    {
        using var response = await client.SendAsync(request);
        var answer = await response.Content.ReadFromJsonAsync<Refusal>();
        Assert.Equal((status, reason), (response.StatusCode, answer!.Reason));
    }

    private sealed record Refusal(string Reason, string Message);
}
