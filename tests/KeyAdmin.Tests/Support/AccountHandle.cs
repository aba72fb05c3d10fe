using System.Security.Cryptography;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// An account's authenticator as the test holds it: computes RFC 6238 codes itself (independently of the
/// module's Otp.NET), a fresh time step for each code so that no code is a replay.
/// </summary>
public sealed class AccountHandle
{
    private readonly byte[] seed;
    private long lastStep;

    public AccountHandle(string name, string base32Seed)
    {
        Name = name;
        seed = Base32.Decode(base32Seed);
    }

    public string Name { get; }

    /// <summary>A code the store has not seen: from the next unused step within the ±1 window, waiting when all are spent.</summary>
    public string NextCode()
    {
        while (true)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
            var step = Math.Max(now - 1, lastStep + 1);
            if (step <= now + 1)
            {
                lastStep = step;
                return CodeAt(step);
            }

            Thread.Sleep(1000);
        }
    }

    /// <summary>A code that is valid now but was already accepted (for replay tests).</summary>
    public string LastCode() => CodeAt(lastStep);

    public string CodeAt(long step)
    {
        Span<byte> counter = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(seed, counter);
        var offset = hash[^1] & 0x0F;
        var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A six-digit code that is none of the valid ones right now.</summary>
    public string WrongCode()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
        var valid = new[] { CodeAt(now - 1), CodeAt(now), CodeAt(now + 1), CodeAt(now + 2) };
        for (var i = 0; ; i++)
        {
            var candidate = i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            if (!valid.Contains(candidate))
            {
                return candidate;
            }
        }
    }
}

internal static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static byte[] Decode(string text)
    {
        var bits = 0;
        var value = 0;
        var output = new List<byte>();
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            value = (value << 5) | Alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(value >> (bits - 8)));
                bits -= 8;
            }
        }

        return output.ToArray();
    }
}
