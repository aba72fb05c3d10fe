using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "Several OS processes";
}

/// <summary>R4 and R12 across processes: separate worker processes act on one store at the same instant.</summary>
[Collection(ProcessCollection.Name)]
public sealed class CrossProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public void Verify_ATradeRequestAcceptedInOneProcess_IsReplayedInAnother()
    {
        var desk = h.NewAccount();
        var key = h.CreateKey(desk, "trader", r => r with { Permissions = ApiKeyPermission.Trade });
        var first = Workers.Start(h, "verify-request", Path.Combine(h.Folder, "request-1"));
        var second = Workers.Start(h, "verify-request", Path.Combine(h.Folder, "request-2"));
        try
        {
            Assert.Equal(("READY", "READY"), (Workers.ReadLine(first, Timeout), Workers.ReadLine(second, Timeout)));
            // Signed now by the real clock, which the workers verify against; the same request goes to both.
            var request = Requests.Sign(key, DateTimeOffset.UtcNow, "POST", "/api/v1/orders", "{\"size\":1}", ApiKeyPermission.Trade);
            var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["KeyId"] = request.KeyId!,
                ["Timestamp"] = request.Timestamp!,
                ["Signature"] = request.Signature!,
                ["Method"] = request.Method!,
                ["Path"] = request.PathAndQuery!,
                ["Body"] = "{\"size\":1}",
                ["Permission"] = "Trade",
            });

            File.Move(Workers.WriteCredential(h.Folder, json), Path.Combine(h.Folder, "request-1"));
            var firstAnswer = Workers.ReadLine(first, Timeout);
            File.Move(Workers.WriteCredential(h.Folder, json), Path.Combine(h.Folder, "request-2"));
            var secondAnswer = Workers.ReadLine(second, Timeout);

            Assert.Equal(("ACCEPTED", "REFUSED Replayed"), (firstAnswer, secondAnswer));
        }
        finally
        {
            Workers.Stop(first);
            Workers.Stop(second);
        }
    }

    [Fact]
    public void CreateKey_SixProcessesAtOnceOnAnAccountOfFive_ExactlyFiveSucceedAndOneGetsKeyLimitReached()
    {
        var desk = h.NewAccount();
        var jobs = new List<(string KeyName, string CredentialFile)>();
        for (var i = 1; i <= 6; i++)
        {
            var seed = h.RegisterAutomation(desk, "job" + i);
            jobs.Add(("key-of-job" + i, Workers.WriteCredential(h.Folder, "seed:" + Totp.ToBase32(seed))));
        }

        var answers = Workers.CreateKeysAtOnce(h, "desk", jobs, Timeout);

        Assert.Equal(5, answers.Count(a => a == "OK"));
        Assert.Equal(1, answers.Count(a => a == "REFUSED KeyLimitReached"));
        using var fresh = h.OpenStore();
        var authority = new KeyAdminAuthority(fresh, h.Clock, new Actor("checker", "host"));
        Assert.Equal(5, authority.Keys.List("desk").Count());
        var created = fresh.StreamAudit().Where(a => a.Action == "ApiKey.Create" && a.Outcome == AuditOutcome.Succeeded).ToList();
        Assert.Equal(5, created.Count);
        Assert.Equal(5, created.Select(a => a.ConfirmedBy).Distinct().Count());
        Assert.All(created, a => Assert.StartsWith("worker-", a.Actor, StringComparison.Ordinal));
        Assert.Equal(5, created.Select(a => a.Actor).Distinct().Count()); // five different processes
    }

    [Fact]
    public void CreateKey_FiveProcessesSendingTheSameCodeAtOnce_ExactlyOneIsAccepted()
    {
        var desk = h.NewAccount();
        var seed = h.RegisterAutomation(desk, "job");
        // The workers run on the real clock; a code of the current real step stays valid for at least 30 s.
        var credential = Workers.WriteCredential(h.Folder, "code:" + Totp.ComputeCode(seed, DateTimeOffset.UtcNow));
        var jobs = Enumerable.Range(1, 5).Select(i => ("key" + i, credential)).ToList();

        var answers = Workers.CreateKeysAtOnce(h, "desk", jobs, Timeout);

        Assert.Equal(1, answers.Count(a => a == "OK"));
        Assert.Equal(4, answers.Count(a => a == "REFUSED TwoFactorCodeReplayed"));
        using var fresh = h.OpenStore();
        Assert.Single(new KeyAdminAuthority(fresh, h.Clock, new Actor("checker", "host")).Keys.List("desk"));
        Assert.Equal(4, fresh.StreamAudit().Count(a => a.Action == "ApiKey.Create" && a.Reason == "TwoFactorCodeReplayed"));
    }
}
