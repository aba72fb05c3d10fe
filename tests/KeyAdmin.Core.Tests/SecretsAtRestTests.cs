using System.Text;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Tests;

/// <summary>A copy of the database alone reveals no secret: not in the main file, the WAL or the shared memory.</summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    private string[] StoreFiles() => new[] { h.StorePath, h.StorePath + "-wal", h.StorePath + "-shm", h.StorePath + "-journal" }.Where(File.Exists).ToArray();

    /// <summary>Names (never the content) of the secrets found in any store file.</summary>
    private List<string> Leaks(IReadOnlyDictionary<string, byte[]> secrets)
    {
        var leaks = new List<string>();
        foreach (var file in StoreFiles())
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var (label, needle) in secrets)
            {
                if (bytes.AsSpan().IndexOf(needle) >= 0)
                {
                    leaks.Add($"{label} in {Path.GetFileName(file)}");
                }
            }
        }

        return leaks;
    }

    [Fact]
    public void StoreFiles_HoldNoApiSecretAndNoAuthenticatorSeed()
    {
        var secrets = new Dictionary<string, byte[]>();
        void AddSeed(string label, byte[] seed)
        {
            secrets[label + " seed (raw)"] = seed;
            secrets[label + " seed (base32)"] = Encoding.ASCII.GetBytes(Totp.ToBase32(seed));
        }

        var desk = h.NewAccount("desk");
        var ops = h.NewAccount("ops");
        AddSeed("desk primary", desk.Seed);
        AddSeed("ops primary", ops.Seed);
        AddSeed("desk job", h.RegisterAutomation(desk, "job"));
        for (var i = 0; i < 3; i++)
        {
            var issued = h.CreateKey(desk, "desk-" + i, r => r with { Permissions = ApiKeyPermission.Withdraw, IpAddresses = new[] { "203.0.113.7" } });
            secrets["desk key " + i] = Encoding.ASCII.GetBytes(Harness.Reveal(issued.Secret));
        }

        for (var i = 0; i < 2; i++)
        {
            secrets["ops key " + i] = Encoding.ASCII.GetBytes(Harness.Reveal(h.CreateKey(ops, "ops-" + i).Secret));
        }

        var kucoin = h.CreateKey(ops, "ops-kucoin", r => r with { Passphrase = Requests.Secure("Ops-Passphrase-42") });
        secrets["ops KuCoin key"] = Encoding.ASCII.GetBytes(Harness.Reveal(kucoin.Secret));
        secrets["ops KuCoin passphrase"] = Encoding.ASCII.GetBytes("Ops-Passphrase-42");

        var pending = Harness.SeedOf(h.Authority.Accounts.Create("pending", "pending@example.com"));
        AddSeed("pending primary", pending);

        Assert.True(File.Exists(h.StorePath + "-wal"), "the test means little without a WAL file");
        Assert.Empty(Leaks(secrets));

        h.Store.PurgeDestroyed(); // checkpoint: the pages move from the WAL into the main file
        Assert.Empty(Leaks(secrets));
    }

    [Fact]
    public void Remove_LeavesNoCopyOfTheSealedSecretInAnyStoreFile()
    {
        var desk = h.NewAccount();
        var doomed = h.CreateKey(desk, "doomed").Key;
        var kept = h.CreateKey(desk, "kept").Key;
        var sealedDoomed = h.Store.Read(r => r.ReadSealedSecret(doomed.KeyId))!;
        var sealedKept = h.Store.Read(r => r.ReadSealedSecret(kept.KeyId))!;
        h.Store.PurgeDestroyed();
        var beforeRemoval = string.Join(",", StoreFiles().Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(sealedDoomed) >= 0).Select(Path.GetFileName));
        Assert.Equal("keyadmin.db", beforeRemoval); // the search finds the sealed value while it exists

        h.Authority.Keys.Disable(doomed.KeyId, "retire");
        h.Authority.Keys.Remove(doomed.KeyId, h.Proof(desk.Seed));

        Assert.Empty(Leaks(new Dictionary<string, byte[]> { ["sealed secret of the removed key"] = sealedDoomed }));
        Assert.NotEmpty(Leaks(new Dictionary<string, byte[]> { ["sealed secret of the kept key"] = sealedKept }));
    }
}
