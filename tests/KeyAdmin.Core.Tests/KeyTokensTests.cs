using System.Text.RegularExpressions;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Tests;

/// <summary>Key ids and secrets carry a prefix and a checksum, so that a secret scanner can find and confirm a leak.</summary>
public sealed class KeyTokensTests
{
    private static string NewSecret()
    {
        var buffer = new char[KeyTokens.SecretLength];
        KeyTokens.NewSecret(buffer);
        return new string(buffer);
    }

    [Fact]
    public void NewKeyId_HasThePrefixLengthAndAValidChecksum()
    {
        var id = KeyTokens.NewKeyId();

        Assert.StartsWith("kak_", id, StringComparison.Ordinal);
        Assert.Equal(4 + 22 + 6, id.Length);
        Assert.Matches("^kak_[0-9A-Za-z]{28}$", id);
        Assert.True(KeyTokens.IsWellFormedKeyId(id));
        Assert.False(KeyTokens.IsWellFormedSecret(id));
    }

    [Fact]
    public void NewSecret_HasThePrefixLengthAndAValidChecksum()
    {
        var secret = NewSecret();

        Assert.True(secret.StartsWith("kas_", StringComparison.Ordinal), "the secret lacks its prefix");
        Assert.Equal(4 + 43 + 6, secret.Length);
        Assert.True(Regex.IsMatch(secret, "^kas_[0-9A-Za-z]{49}$"), "the secret does not match the scanner pattern");
        Assert.True(KeyTokens.IsWellFormedSecret(secret), "the checksum of a new secret does not validate");
        Assert.False(KeyTokens.IsWellFormedKeyId(secret));
    }

    [Fact]
    public void SecretEntropy_IsAtLeast256Bits()
    {
        Assert.True(KeyTokens.SecretRandomLength * Math.Log2(62) >= 256);
    }

    [Fact]
    public void IsWellFormedSecret_WithAnyOneCharacterChanged_IsFalse()
    {
        var secret = NewSecret();
        var changedAndStillValid = 0;
        for (var i = 4; i < secret.Length; i++)
        {
            var chars = secret.ToCharArray();
            chars[i] = chars[i] == 'a' ? 'b' : 'a';
            if (KeyTokens.IsWellFormedSecret(new string(chars)))
            {
                changedAndStillValid++;
            }
        }

        Assert.Equal(0, changedAndStillValid);
    }

    [Fact]
    public void IsWellFormedSecret_RefusesOtherShapes()
    {
        var secret = NewSecret();

        Assert.False(KeyTokens.IsWellFormedSecret(secret.AsSpan(0, secret.Length - 1)));
        Assert.False(KeyTokens.IsWellFormedSecret(secret + "0"));
        Assert.False(KeyTokens.IsWellFormedSecret(string.Concat("KAS_", secret.AsSpan(4))));
        Assert.False(KeyTokens.IsWellFormedSecret(string.Concat(secret.AsSpan(0, 10), "-", secret.AsSpan(11))));
        Assert.False(KeyTokens.IsWellFormedSecret(string.Empty));
    }

    [Fact]
    public void NewSecret_ThousandSecretsAreDistinct()
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            secrets.Add(NewSecret());
        }

        Assert.Equal(1000, secrets.Count);
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(_ => KeyTokens.NewKeyId()).Distinct().Count());
    }

    [Fact]
    public void NewSecret_IntoABufferOfTheWrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => KeyTokens.NewSecret(new char[10]));
    }
}
