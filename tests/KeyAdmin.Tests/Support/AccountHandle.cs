using System.Security.Cryptography;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// An account's authenticator as the test holds it: computes RFC 6238 codes itself (independently of the
/// module's Otp.NET), a fresh time step for each code so that no code is a replay.
/// </summary>
public sealed class AccountHandle
{
    private readonly byte[] seed;
    private readonly List<string> issued = new();
    private long lastStep;

    public AccountHandle(string name, string base32Seed, IReadOnlyList<string>? recoveryCodes = null)
    {
        Name = name;
        Base32Seed = base32Seed;
        seed = Base32.Decode(base32Seed);
        RecoveryCodes = recoveryCodes ?? Array.Empty<string>();
    }

    public string Name { get; }

    /// <summary>The recovery codes the enrolment handed over, as the person wrote them down.</summary>
    public IReadOnlyList<string> RecoveryCodes { get; }

    /// <summary>The seed as the enrolment showed it: for leak scans only, never for output.</summary>
    public string Base32Seed { get; }

    /// <summary>Every code this handle has handed out, for leak scans.</summary>
    public IReadOnlyList<string> IssuedCodes => issued;

    /// <summary>A code the store has not seen: from the next unused step within the ±1 window, waiting when all are spent.</summary>
    public string NextCode()
    {
        while (true)
        {
            var milliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var now = milliseconds / 30_000;
            // A code of the previous step expires when the current step ends: skip it when that is moments away,
            // or the store may see it a step too late.
            var earliest = 30_000 - (milliseconds % 30_000) < 5_000 ? now : now - 1;
            var step = Math.Max(earliest, lastStep + 1);
            if (step <= now + 1)
            {
                lastStep = step;
                var code = CodeAt(step);
                issued.Add(code);
                return code;
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

    /// <summary>The current time step (30 s) by the test's clock.</summary>
    public static long CurrentStep => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    /// <summary>A random six-digit code that is none of the valid ones right now (distinctive enough to search for).</summary>
    public string RandomWrongCode()
    {
        var now = CurrentStep;
        var valid = new[] { CodeAt(now - 1), CodeAt(now), CodeAt(now + 1), CodeAt(now + 2) };
        while (true)
        {
            var candidate = Random.Shared.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!valid.Contains(candidate) && candidate.Distinct().Count() >= 4)
            {
                issued.Add(candidate);
                return candidate;
            }
        }
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
