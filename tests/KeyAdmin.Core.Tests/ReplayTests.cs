using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// The replay memory lives in the store: every verifier of the store (here two, each with a store of its own
/// over the same database, so nothing is shared but the database) refuses what another accepted, and no key's
/// flood makes it forget an entry that has not expired.
/// </summary>
public sealed class ReplayTests : IDisposable
{
    private readonly Harness h = new();
    private readonly TestAccount desk;
    private readonly Storage.IKeyAdminStore secondStore;

    public ReplayTests()
    {
        desk = h.NewAccount();
        secondStore = h.OpenStore();
    }

    public void Dispose()
    {
        secondStore.Dispose();
        h.Dispose();
    }

    [Fact]
    public void Verify_ATradeRequestAcceptedByOneVerifier_IsReplayedAtAnotherOfTheStore()
    {
        var key = h.CreateKey(desk, "trader", r => r with { Permissions = ApiKeyPermission.Trade });
        using var first = new RequestVerifier(h.Store, h.Clock);
        using var second = new RequestVerifier(secondStore, h.Clock);
        var order = Requests.Sign(key, h.Now, "POST", "/api/v1/orders", "{\"size\":1}", ApiKeyPermission.Trade);

        Assert.Equal(VerificationReason.Accepted, first.Verify(order).Reason);
        Assert.Equal(VerificationReason.Replayed, second.Verify(order).Reason);
        Assert.Equal(VerificationReason.Replayed, first.Verify(order).Reason);
    }

    [Fact]
    public void Verify_AFloodOfAnotherKeysRequests_NeverEvictsAnUnexpiredEntry_TheFloodingKeyIsRefusedInstead()
    {
        var victim = h.CreateKey(desk, "victim", r => r with { Permissions = ApiKeyPermission.Trade });
        var attacker = h.CreateKey(desk, "attacker", r => r with { Permissions = ApiKeyPermission.Trade });
        var options = new VerifierOptions { ReplaySharePerKey = 25 };
        using var first = new RequestVerifier(h.Store, h.Clock, options);
        using var second = new RequestVerifier(secondStore, h.Clock, options);
        var captured = Requests.Sign(victim, h.Now, "POST", "/api/v1/orders", "{\"size\":1}", ApiKeyPermission.Trade);
        Assert.True(first.Verify(captured).Accepted);

        var answers = Enumerable.Range(0, 40)
            .Select(i => (i % 2 == 0 ? first : second).Verify(Requests.Sign(attacker, h.Now, "POST", "/api/v1/orders", "{\"n\":" + i + "}", ApiKeyPermission.Trade)).Reason)
            .ToList();

        Assert.Equal(25, answers.Count(a => a == VerificationReason.Accepted));
        Assert.Equal(15, answers.Count(a => a == VerificationReason.ReplayLimitReached));
        Assert.Equal(VerificationReason.Replayed, second.Verify(captured).Reason);
        Assert.Equal(VerificationReason.Accepted, first.Verify(Requests.Sign(victim, h.Now, "POST", "/api/v1/orders", "{\"size\":2}", ApiKeyPermission.Trade)).Reason);
    }

    [Fact]
    public void Verify_OnceTheEntriesHaveLeftTheWindow_TheKeysShareIsFreeAgain_AndTheTableShrinks()
    {
        var key = h.CreateKey(desk, "trader", r => r with { Permissions = ApiKeyPermission.Trade });
        using var verifier = new RequestVerifier(h.Store, h.Clock, new VerifierOptions { ReplaySharePerKey = 3 });
        SignedRequest Order(int n) => Requests.Sign(key, h.Now, "POST", "/api/v1/orders", "{\"n\":" + n + "}", ApiKeyPermission.Trade);
        Assert.All(Enumerable.Range(0, 3), n => Assert.True(verifier.Verify(Order(n)).Accepted));
        Assert.Equal(VerificationReason.ReplayLimitReached, verifier.Verify(Order(3)).Reason);
        Assert.Equal(3, RawDb.Scalar(h.StorePath, "SELECT count(*) FROM replay_guard"));

        // Entries are kept for twice the timestamp window (a verifier with a slower clock still finds them).
        h.Clock.Advance(TimeSpan.FromSeconds(11));

        Assert.True(verifier.Verify(Order(4)).Accepted);
        Assert.Equal(1, RawDb.Scalar(h.StorePath, "SELECT count(*) FROM replay_guard"));
    }

    [Theory]
    [InlineData(ReadReplayProtection.Writes, "GET", true)]
    [InlineData(ReadReplayProtection.Writes, "POST", false)]
    [InlineData(ReadReplayProtection.Writes, "DELETE", false)]
    [InlineData(ReadReplayProtection.All, "GET", false)]
    [InlineData(ReadReplayProtection.None, "POST", true)]
    [InlineData(ReadReplayProtection.None, "DELETE", true)]
    public void Verify_AReadRequestTwice_IsReplayProtectedAsTheOperatorChose(ReadReplayProtection choice, string method, bool secondAccepted)
    {
        var key = h.CreateKey(desk, "reader");
        using var verifier = new RequestVerifier(h.Store, h.Clock, new VerifierOptions { ReadReplay = choice });
        var request = Requests.Sign(key, h.Now, method, "/api/v1/orders?id=1", method == "POST" ? "{}" : string.Empty);

        Assert.Equal(VerificationReason.Accepted, verifier.Verify(request).Reason);
        Assert.Equal(secondAccepted ? VerificationReason.Accepted : VerificationReason.Replayed, verifier.Verify(request).Reason);
    }

    [Fact]
    public void Verify_RequestsThatAreRefused_LeaveNothingInTheReplayMemory()
    {
        var key = h.CreateKey(desk, "trader", r => r with { Permissions = ApiKeyPermission.Trade, IpAddresses = new[] { "203.0.113.7" } });
        using var verifier = new RequestVerifier(h.Store, h.Clock);
        var order = Requests.Sign(key, h.Now, "POST", "/api/v1/orders", "{\"size\":1}", ApiKeyPermission.Trade);

        Assert.Equal(VerificationReason.BadSignature, verifier.Verify(order with { Signature = Convert.ToBase64String(new byte[32]) }).Reason);
        Assert.Equal(VerificationReason.AddressNotAllowed, verifier.Verify(order with { CallerAddress = System.Net.IPAddress.Parse("198.51.100.1") }).Reason);
        Assert.Equal(VerificationReason.UnknownKey, verifier.Verify(order with { KeyId = KeyTokens.NewKeyId() }).Reason);

        Assert.Equal(0, RawDb.Scalar(h.StorePath, "SELECT count(*) FROM replay_guard"));
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(order).Reason);
    }

    [Fact]
    public void VerifierOptions_ByDefault_ProtectReadRequestsThatChangeSomething()
    {
        Assert.Equal(ReadReplayProtection.Writes, new VerifierOptions().ReadReplay);
    }
}
