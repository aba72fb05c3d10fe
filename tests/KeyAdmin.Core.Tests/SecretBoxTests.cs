using System.Security.Cryptography;
using KeyAdmin.Core.Crypto;

namespace KeyAdmin.Core.Tests;

/// <summary>Secrets at rest: AES-256-GCM under the key-encryption key, bound to the record's identity.</summary>
public sealed class SecretBoxTests
{
    private static readonly byte[] Plain = "kas_example-plaintext-for-the-box"u8.ToArray();

    [Fact]
    public void SealThenOpen_WithTheSameKeyAndIdentity_GivesThePlaintextBack()
    {
        using var box = new SecretBox(SecretBox.NewKey());

        var sealedValue = box.Seal(Plain, SealIdentity.ApiKey("kak_1"));

        Assert.Equal(Plain, box.Open(sealedValue, SealIdentity.ApiKey("kak_1")));
        Assert.Equal(1 + 12 + 16 + Plain.Length, sealedValue.Length);
        Assert.False(sealedValue.AsSpan().IndexOf(Plain) >= 0, "the sealed value contains the plaintext");
    }

    [Fact]
    public void Seal_TwiceTheSamePlaintext_GivesDifferentSealedValues()
    {
        using var box = new SecretBox(SecretBox.NewKey());

        Assert.NotEqual(box.Seal(Plain, "apikey:x"), box.Seal(Plain, "apikey:x"));
    }

    [Fact]
    public void Open_WithAnotherIdentity_Fails()
    {
        using var box = new SecretBox(SecretBox.NewKey());
        var sealedValue = box.Seal(Plain, SealIdentity.ApiKey("kak_1"));

        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedValue, SealIdentity.ApiKey("kak_2")));
        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedValue, SealIdentity.Authenticator("kak_1")));
    }

    [Fact]
    public void Open_WithAnotherKey_Fails()
    {
        using var box = new SecretBox(SecretBox.NewKey());
        using var other = new SecretBox(SecretBox.NewKey());
        var sealedValue = box.Seal(Plain, "apikey:kak_1");

        Assert.ThrowsAny<CryptographicException>(() => other.Open(sealedValue, "apikey:kak_1"));
        Assert.NotEqual(box.Fingerprint, other.Fingerprint);
    }

    [Fact]
    public void Open_OfATamperedValue_Fails()
    {
        using var box = new SecretBox(SecretBox.NewKey());
        var sealedValue = box.Seal(Plain, "apikey:kak_1");
        sealedValue[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedValue, "apikey:kak_1"));
        Assert.ThrowsAny<CryptographicException>(() => box.Open(new byte[5], "apikey:kak_1"));
    }

    [Fact]
    public void Fingerprint_IsStableForAKeyAndRevealsNothingOfIt()
    {
        var key = SecretBox.NewKey();
        using var a = new SecretBox(key);
        using var b = new SecretBox(key);

        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.DoesNotContain(Convert.ToHexString(key).ToLowerInvariant()[..8], a.Fingerprint, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WithAKeyThatIsNot32Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SecretBox(new byte[16]));
    }
}

/// <summary>The key file is created once, whole, however many processes race to create it.</summary>
public sealed class KeyFileRaceTests
{
    [Fact]
    public void Create_ManyAtTheSameInstant_AllGetTheSameWholeKey()
    {
        var folder = Path.Combine(Path.GetTempPath(), "keyadmin-kek-race-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            for (var round = 0; round < 5; round++)
            {
                var path = Path.Combine(folder, $"store-{round}.kek");
                using var start = new Barrier(8);
                var keys = new byte[8][];
                var failures = new Exception?[8];
                // Dedicated threads: a barrier of pool threads on two cores would wait for the pool to grow.
                var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    try
                    {
                        keys[i] = new KeyAdmin.Core.Crypto.FileKeyEncryptionKeySource(path).Create();
                    }
                    catch (Exception e)
                    {
                        failures[i] = e;
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());

                Assert.All(failures, f => Assert.Null(f));

                Assert.All(keys, k => Assert.Equal(keys[0], k));
                Assert.Equal(keys[0], File.ReadAllBytes(path));
                Assert.Equal(new[] { path }, Directory.GetFiles(folder, $"store-{round}.kek*"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
