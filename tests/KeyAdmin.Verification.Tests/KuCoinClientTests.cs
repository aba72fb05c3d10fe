using System.Diagnostics;
using System.Text;
using System.Text.Json;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Verification.Tests;

/// <summary>
/// KuCoin's own client libraries, unmodified and at pinned versions, against the example service running as its
/// own process over a store: they read, trade and withdraw with a key that has a passphrase, and once the key is
/// disabled (in this process) they are refused with KuCoin's code within one second (R9).
/// </summary>
[Collection(NodeClientsCollection.Name)]
public sealed class KuCoinClientTests : IDisposable
{
    private const string Passphrase = "desk-Pass-7";
    private readonly NodeClients clients;
    private readonly Fixture fixture = new(TimeProvider.System);

    public KuCoinClientTests(NodeClients clients) => this.clients = clients;

    public static TheoryData<string> Clients => new() { "kucoin-universal-sdk", "ccxt" };

    [Theory]
    [MemberData(nameof(Clients))]
    public void Client_ReadsOrdersAndWithdraws_AndAfterDisableIsRefusedWithKuCoinsCodeWithinOneSecond(string client)
    {
        Assert.Equal(NodeClients.Pinned(clients.Folder)[client], NodeClients.Installed(clients.Folder, client));
        var (key, secret) = fixture.NewKuCoinKey("bot", ApiKeyPermission.Trade | ApiKeyPermission.Withdraw, Passphrase, null, "127.0.0.1");
        using var service = OtherProcess.StartService(fixture.StorePath);
        var environment = new Dictionary<string, string>
        {
            ["KC_URL"] = service.Address.ToString().TrimEnd('/'),
            ["KC_KEY"] = key.KeyId,
            ["KC_SECRET"] = Encoding.ASCII.GetString(secret),
            ["KC_PASSPHRASE"] = Passphrase,
        };

        var steps = Flow(client, environment);

        Assert.Equal(client == "ccxt"
            ? new[] { "markets", "balance", "limitOrder", "ordersWithQuery", "withdrawal" }
            : new[] { "serverTime", "symbols", "accounts", "limitOrder", "ordersWithQuery", "withdrawal" },
            steps.Select(s => s.GetProperty("step").GetString()));
        Assert.Equal(24, steps.Single(s => s.GetProperty("step").GetString() == "withdrawal").GetProperty("result").GetString()!.Length);

        var probes = ProbeAcrossDisable(client, environment, key.KeyId);

        // R9: every request sent a second or more after the disable is refused, with KuCoin's code for the key.
        var late = probes.Where(p => p.T >= 1000).ToList();
        Assert.True(late.Count >= 3, $"Only {late.Count} requests were sent a second or more after the disable.");
        Assert.All(late, p => Assert.Equal((false, "400003"), (p.Ok, p.Code)));
    }

    public void Dispose() => fixture.Dispose();

    private static bool IsStep(string line) => line.StartsWith("{\"step\":", StringComparison.Ordinal);

    private static string? ReadStep(Process node)
    {
        while (node.StandardOutput.ReadLine() is { } line)
        {
            if (IsStep(line))
            {
                return line;
            }
        }

        return null;
    }

    private List<JsonElement> Flow(string client, IReadOnlyDictionary<string, string> environment)
    {
        using var node = clients.Start(client + ".mjs", "flow", environment);
        var stderr = node.StandardError.ReadToEndAsync();
        var output = node.StandardOutput.ReadToEnd();
        // The clients may log to stdout too (the SDK's logger does); the steps are the lines client.mjs writes.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(IsStep).ToArray();
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(2)), $"{client} did not finish.");
        var steps = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var failed = steps.FirstOrDefault(s => !s.GetProperty("ok").GetBoolean());
        Assert.True(node.ExitCode == 0 && failed.ValueKind == JsonValueKind.Undefined, $"{client} failed (exit {node.ExitCode}): {output}\n{stderr.Result}");
        return steps;
    }

    private List<(long T, bool Ok, string? Code)> ProbeAcrossDisable(string client, IReadOnlyDictionary<string, string> environment, string keyId)
    {
        using var node = clients.Start(client + ".mjs", "probe", environment);
        var stderr = node.StandardError.ReadToEndAsync();
        var ready = ReadStep(node);
        Assert.True(ready is not null && ready.Contains("\"ready\"", StringComparison.Ordinal), $"{client} did not get ready: {ready}\n{(node.WaitForExit(5000) ? stderr.Result : string.Empty)}");

        fixture.Authority.Keys.Disable(keyId, "leaked");
        node.StandardInput.WriteLine("go");
        node.StandardInput.Flush();

        var probes = new List<(long, bool, string?)>();
        while (ReadStep(node) is { } line)
        {
            var probe = JsonDocument.Parse(line).RootElement;
            probes.Add((probe.GetProperty("t").GetInt64(), probe.GetProperty("ok").GetBoolean(), probe.GetProperty("ok").GetBoolean() ? null : probe.GetProperty("code").GetString()));
        }

        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30)), $"{client} did not finish probing.");
        return probes;
    }
}
