using System.Text;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// A copy of the team database alone reveals no secret: no API secret and no authenticator seed in any value of
/// any table, and a deleted key's sealed secret is gone from the live rows.
/// </summary>
public sealed class PostgresSecretsAtRestTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    /// <summary>Names (never the content) of the secrets found in any value of the store's tables.</summary>
    private List<string> Leaks(IReadOnlyDictionary<string, byte[]> secrets) =>
        RawDb.AllValues(h.StorePath)
            .SelectMany(v => secrets.Where(s => v.Value.AsSpan().IndexOf(s.Value) >= 0).Select(s => $"{s.Key} in {v.Table}"))
            .Distinct()
            .ToList();

    [Fact]
    public void Tables_HoldNoApiSecretAndNoAuthenticatorSeed()
    {
        var secrets = new Dictionary<string, byte[]>();
        void AddSeed(string label, byte[] seed)
        {
            secrets[label + " seed (raw)"] = seed;
            secrets[label + " seed (base32)"] = Encoding.ASCII.GetBytes(Totp.ToBase32(seed));
        }

        var desk = h.NewAccount("desk");
        AddSeed("desk primary", desk.Seed);
        AddSeed("desk job", h.RegisterAutomation(desk, "job"));
        for (var i = 0; i < 3; i++)
        {
            var issued = h.CreateKey(desk, "desk-" + i, r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "203.0.113.7" } });
            secrets["desk key " + i] = Encoding.ASCII.GetBytes(Harness.Reveal(issued.Secret));
        }

        var kucoin = h.CreateKey(desk, "desk-kucoin", r => r with { Passphrase = Requests.Secure("Desk-Passphrase-42") });
        secrets["desk KuCoin key"] = Encoding.ASCII.GetBytes(Harness.Reveal(kucoin.Secret));
        secrets["desk KuCoin passphrase"] = Encoding.ASCII.GetBytes("Desk-Passphrase-42");

        AddSeed("pending primary", Harness.SeedOf(h.Authority.Accounts.Create("pending", "pending@example.com")));

        Assert.Empty(Leaks(secrets));
        Assert.Contains(RawDb.AllValues(h.StorePath), v => v.Table == "api_keys"); // the scan reads the rows at all
    }

    [Fact]
    public void Remove_LeavesNoLiveCopyOfTheSealedSecret()
    {
        var desk = h.NewAccount();
        var doomed = h.CreateKey(desk, "doomed").Key;
        var kept = h.CreateKey(desk, "kept").Key;
        var sealedDoomed = h.Store.Read(r => r.ReadSealedSecret(doomed.KeyId))!;
        var sealedKept = h.Store.Read(r => r.ReadSealedSecret(kept.KeyId))!;
        Assert.NotEmpty(Leaks(new Dictionary<string, byte[]> { ["sealed secret of the doomed key"] = sealedDoomed }));

        h.Authority.Keys.Disable(doomed.KeyId, "retire");
        h.Authority.Keys.Remove(doomed.KeyId, h.Proof(desk.Seed));

        Assert.Empty(Leaks(new Dictionary<string, byte[]> { ["sealed secret of the removed key"] = sealedDoomed }));
        Assert.NotEmpty(Leaks(new Dictionary<string, byte[]> { ["sealed secret of the kept key"] = sealedKept }));
        Assert.Equal(1, RawDb.Scalar(h.StorePath, $"SELECT count(*) FROM api_keys WHERE key_id = '{doomed.KeyId}' AND secret IS NULL AND status = 'Deleted'"));
    }
}
