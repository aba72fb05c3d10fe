using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>KuCoin's passphrase: chosen at creation, sealed like the secret, never shown, destroyed with the key.</summary>
public sealed class PassphraseTests : IDisposable
{
    private const string Passphrase = "Desk-Pass-2026";
    private readonly Harness h = new();
    private readonly TestAccount desk;

    public PassphraseTests()
    {
        desk = h.NewAccount();
    }

    public void Dispose() => h.Dispose();

    [Fact]
    public void Create_WithAPassphrase_SealsItUnderItsOwnIdentityAndTakesVersions2And3()
    {
        var issued = h.CreateKey(desk, "kc", r => r with { Passphrase = Requests.Secure(Passphrase) });

        var key = h.Authority.Keys.Get(issued.Key.KeyId);
        Assert.True(key.HasPassphrase);
        Assert.Equal(KuCoinKeyVersions.V2 | KuCoinKeyVersions.V3, key.KeyVersions);
        var sealedPassphrase = h.Store.Read(r => r.ReadSealedPassphrase(key.KeyId))!;
        Assert.Equal(Passphrase, System.Text.Encoding.ASCII.GetString(h.Store.Secrets.Open(sealedPassphrase, SealIdentity.ApiKeyPassphrase(key.KeyId))));
        // Its own associated data: a sealed passphrase written into the secret column does not open as a secret.
        Assert.ThrowsAny<Exception>(() => h.Store.Secrets.Open(sealedPassphrase, SealIdentity.ApiKey(key.KeyId)));
        var created = h.Audit().Single(a => a.Action == "ApiKey.Create" && a.KeyId == key.KeyId);
        Assert.Contains("Passphrase=True; KeyVersions=2,3", created.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, string.Join("|", h.Audit().Select(a => a.Detail + a.Reason + a.Target)), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WithoutAPassphrase_IsAKeyAdminSchemeKey()
    {
        var key = h.CreateKey(desk, "ka").Key;

        Assert.Equal((false, KuCoinKeyVersions.None), (key.HasPassphrase, key.KeyVersions));
        Assert.Null(h.Store.Read(r => r.ReadSealedPassphrase(key.KeyId)));
    }

    [Theory]
    [InlineData("short6")]
    [InlineData("0123456789abcdef0123456789abcdef+")]
    [InlineData("with space")]
    [InlineData("with\ttab!")]
    [InlineData("p\u00e4ssphrase")]
    public void Create_WithAPassphraseThatBreaksTheRules_IsRefusedBeforeACodeIsSpent_WithoutRepeatingIt(string passphrase)
    {
        var code = h.Code(desk.Seed);

        var e = Refusal.Expect(KeyAdminError.InvalidPassphrase, () => h.Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = "kc", Passphrase = Requests.Secure(passphrase) }, Core.TwoFactor.TwoFactorProof.FromCode(code)));

        Assert.DoesNotContain(passphrase, e.Message, StringComparison.Ordinal);
        Assert.Equal("kc", e.Target);
        // The code was not asked for: it still confirms a creation.
        Assert.NotNull(h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "kc" }, Core.TwoFactor.TwoFactorProof.FromCode(code)));
    }

    [Fact]
    public void Create_WithKeyVersionsButNoPassphrase_IsRefusedWithInvalidKeyVersion()
    {
        Refusal.Expect(KeyAdminError.InvalidKeyVersion, () => h.CreateKey(desk, "kc", r => r with { KeyVersions = KuCoinKeyVersions.V1 }));
    }

    [Fact]
    public void Remove_DestroysThePassphraseWithTheSecret()
    {
        var key = h.CreateKey(desk, "kc", r => r with { Passphrase = Requests.Secure(Passphrase) }).Key;
        h.Authority.Keys.Disable(key.KeyId, "test");

        h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed));

        Assert.Null(h.Store.Read(r => r.ReadSealedPassphrase(key.KeyId)));
        Assert.Null(h.Store.Read(r => r.ReadSealedSecret(key.KeyId)));
    }

    [Fact]
    public void KeyVersions_CannotBeChangedEvenBySqlWrittenDirectly()
    {
        var key = h.CreateKey(desk, "kc", r => r with { Passphrase = Requests.Secure(Passphrase) }).Key;

        Assert.ThrowsAny<Exception>(() => RawDb.Execute(h.StorePath, $"UPDATE api_keys SET key_versions = 7 WHERE key_id = '{key.KeyId}'"));

        Assert.Equal(KuCoinKeyVersions.V2 | KuCoinKeyVersions.V3, h.Authority.Keys.Get(key.KeyId).KeyVersions);
    }

    [Fact]
    public void Verify_AKeyWhosePassphraseWasCutOffInTheDatabase_IsRefusedAsTampered()
    {
        var issued = h.CreateKey(desk, "kc", r => r with { Passphrase = Requests.Secure(Passphrase) });
        using var verifier = new RequestVerifier(h.Store, h.Clock);
        Assert.True(verifier.Verify(Requests.SignKuCoin(issued, Passphrase, h.Now, "GET", "/a")).Accepted);

        // Someone who writes the database without the key-encryption key tries to make the key usable without
        // its passphrase (KeyAdmin's scheme) by removing it.
        RawDb.Execute(h.StorePath, $"UPDATE api_keys SET passphrase = NULL WHERE key_id = '{issued.Key.KeyId}'");
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        // The row's seal says the key has a passphrase: without the one it had, it is refused either way.
        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(Requests.Sign(issued, h.Now, "GET", "/b")).Reason);
        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(Requests.SignKuCoin(issued, Passphrase, h.Now, "GET", "/c")).Reason);
    }
}
