using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// R11 under crashes: a worker process rotating a key is killed right after each journalled step. At every
/// point the vault entry the applications read holds a working credential (for this key, which has KuCoin's
/// passphrase, a working triple: key id, secret and passphrase); the next run then completes or undoes the
/// rotation, and the audit chain stays intact.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class RotationCrashTests : IDisposable
{
    private const string Entry = "desk-bot-a";
    private const string Passphrase = "Rotate-Me-1";
    private readonly Harness h = new();
    private readonly FileVault vault;
    private readonly string oldKeyId;

    public RotationCrashTests()
    {
        vault = new FileVault(Path.Combine(h.Folder, "vault.json"));
        var desk = h.NewAccount();
        var jobSeed = h.RegisterAutomation(desk, "rotation-job");
        File.WriteAllText(Path.Combine(h.Folder, "job.credential"), "seed:" + KeyAdmin.Core.TwoFactor.Totp.ToBase32(jobSeed));
        oldKeyId = h.Authority.Keys.CreateAndDeliver(
            new NewKeyRequest { Account = "desk", Name = "bot-a", Permissions = ApiKeyPermission.Trade, IpAddresses = new[] { "203.0.113.7" }, Passphrase = Requests.Secure(Passphrase) },
            h.Proof(desk.Seed),
            vault,
            Entry).Key.KeyId;
    }

    [Theory]
    [InlineData(RotationState.Planned)]
    [InlineData(RotationState.Created)]
    [InlineData(RotationState.Delivered)]
    [InlineData(RotationState.Tested)]
    [InlineData(RotationState.Retired)]
    public void KilledAfterStep_ThenResumed_CompletesWithAWorkingCredentialThroughout(RotationState step)
    {
        var rotation = CrashAfter(step);
        AssertVaultHoldsAWorkingCredential();

        var outcome = h.Authority.Rotations.Resume(rotation.RotationId, KeyAdmin.Core.TwoFactor.TwoFactorProof.FromCode(null), _ => vault, _ => true, undo: false);

        AssertVaultHoldsAWorkingCredential();
        Assert.True(h.Authority.Audit.Verify().IsIntact);
        if (step == RotationState.Planned)
        {
            // Nothing was created: there is nothing to complete, so the rotation is closed as undone.
            Assert.Equal(RotationState.RolledBack, outcome.State);
            Assert.Equal(oldKeyId, vault.Peek(Entry)!.Value.KeyId);
            return;
        }

        Assert.Equal(RotationState.Completed, outcome.State);
        var successor = h.Authority.Keys.Get("desk", "bot-a");
        Assert.Equal((outcome.NewKeyId, oldKeyId), (successor.KeyId, successor.RotatedFrom));
        Assert.Equal(successor.KeyId, vault.Peek(Entry)!.Value.KeyId);
        var old = h.Authority.Keys.Get(oldKeyId);
        Assert.Equal((ApiKeyStatus.Disabled, successor.KeyId), (old.StoredStatus, old.RotatedTo));
        Assert.Equal(2, h.LiveKeyCount("desk"));
    }

    [Theory]
    [InlineData(RotationState.Created)]
    [InlineData(RotationState.Delivered)]
    [InlineData(RotationState.Tested)]
    public void KilledAfterStep_ThenUndone_PutsTheOldCredentialBackAndDestroysTheSuccessor(RotationState step)
    {
        var rotation = CrashAfter(step);

        var outcome = h.Authority.Rotations.Resume(rotation.RotationId, KeyAdmin.Core.TwoFactor.TwoFactorProof.FromCode(null), _ => vault, null, undo: true);

        Assert.Equal(RotationState.RolledBack, outcome.State);
        Assert.Equal(oldKeyId, vault.Peek(Entry)!.Value.KeyId);
        AssertVaultHoldsAWorkingCredential();
        Assert.Equal(ApiKeyStatus.Deleted, h.Authority.Keys.Get(outcome.NewKeyId!).StoredStatus);
        Assert.Equal(("bot-a", ApiKeyStatus.Enabled), (h.Authority.Keys.Get(oldKeyId).Name, h.Authority.Keys.Get(oldKeyId).StoredStatus));
        Assert.Equal(1, h.LiveKeyCount("desk"));
        Assert.True(h.Authority.Audit.Verify().IsIntact);
        Assert.Contains(h.Audit(), e => e.Action == "ApiKey.Abandon" && e.KeyId == outcome.NewKeyId);
    }

    public void Dispose() => h.Dispose();

    private RotationRecord CrashAfter(RotationState step)
    {
        using var worker = Workers.Start(h, "rotate-and-crash", oldKeyId, Path.Combine(h.Folder, "vault.json"), Path.Combine(h.Folder, "job.credential"), step.ToString());
        var output = worker.StandardOutput.ReadToEnd();
        var errors = worker.StandardError.ReadToEnd();
        Assert.True(worker.WaitForExit(30_000), "The worker did not finish in 30 s.");
        Assert.True(output.Contains("CRASH " + step, StringComparison.Ordinal), $"The worker did not crash at {step}: {output} {errors}");
        Assert.NotEqual(0, worker.ExitCode);

        using var reopened = h.OpenStore();
        var rotation = Assert.Single(reopened.Read(r => r.ListRotations(unfinishedOnly: true)));
        Assert.Equal(step, rotation.State);
        return rotation;
    }

    /// <summary>
    /// The entry the applications read names an enabled key whose secret and passphrase are exactly what the vault
    /// holds, and a request signed with them is accepted (the passphrase is the old key's: the rotation keeps it).
    /// </summary>
    private void AssertVaultHoldsAWorkingCredential()
    {
        var (keyId, secret) = vault.Peek(Entry)!.Value;
        var key = h.Authority.Keys.Get(keyId);
        Assert.Equal(ApiKeyStatus.Enabled, key.StatusAt(h.Now));
        var stored = h.Authority.Keys.RevealCredential(keyId);
        Assert.Equal(secret, Harness.Reveal(stored.Secret));
        Assert.Equal(Passphrase, vault.PeekPassphrase(Entry));
        Assert.Equal(Passphrase, Harness.Reveal(stored.Passphrase!));
        using var verifier = new KeyAdmin.Core.Verification.RequestVerifier(h.Store, h.Clock);
        var issued = new IssuedKey(key, Requests.Secure(secret));
        Assert.True(verifier.Verify(Requests.SignKuCoin(issued, Passphrase, h.Now, "GET", "/api/v1/accounts")).Accepted);
    }
}
