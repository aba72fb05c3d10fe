using System.Security.Cryptography;
using KeyAdmin.Core.Crypto;

namespace KeyAdmin.Core.Tests;

/// <summary>The MAC comparison of the verifier and the row seals: equal exactly when every one of the 32 bytes is.</summary>
public sealed class FixedTimeTests
{
    [Fact]
    public void EqualMacs_AreEqual()
    {
        var mac = RandomNumberGenerator.GetBytes(32);

        Assert.True(FixedTime.MacEquals(mac, mac.ToArray()));
    }

    [Fact]
    public void AMacThatDiffersInAnyOneBit_IsNotEqual()
    {
        // Every bit of every word: a comparison that dropped a word, or a bit of one, passes a forgery.
        var mac = RandomNumberGenerator.GetBytes(32);
        for (var bit = 0; bit < 256; bit++)
        {
            var other = mac.ToArray();
            other[bit / 8] ^= (byte)(1 << (bit % 8));

            Assert.False(FixedTime.MacEquals(mac, other), $"bit {bit}");
            Assert.False(FixedTime.MacEquals(other, mac), $"bit {bit}, the other way round");
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(16, 16)]
    [InlineData(31, 31)]
    [InlineData(33, 33)]
    [InlineData(32, 31)]
    [InlineData(31, 32)]
    [InlineData(64, 64)]
    public void ValuesThatAreNotBothAMac_AreNeverEqual(int left, int right)
    {
        // Equal bytes too: a prefix of the right MAC, or the MAC with more after it, is not the MAC.
        var bytes = RandomNumberGenerator.GetBytes(64);

        Assert.False(FixedTime.MacEquals(bytes.AsSpan(0, left), bytes.AsSpan(0, right)));
    }

    [Fact]
    public void RandomPairs_AgreeWithTheFrameworksComparison()
    {
        for (var i = 0; i < 2_000; i++)
        {
            var left = RandomNumberGenerator.GetBytes(32);
            var right = i % 2 == 0 ? left.ToArray() : RandomNumberGenerator.GetBytes(32);
            if (i % 3 == 0)
            {
                right[RandomNumberGenerator.GetInt32(32)] ^= (byte)(1 + RandomNumberGenerator.GetInt32(255));
            }

            Assert.Equal(CryptographicOperations.FixedTimeEquals(left, right), FixedTime.MacEquals(left, right));
        }
    }
}
