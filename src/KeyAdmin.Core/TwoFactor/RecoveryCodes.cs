using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>A recovery code as the store keeps it: only its hash, bound to the account it belongs to.</summary>
public sealed record RecoveryCodeHash(string CodeId, string AccountId, string Hash, DateTimeOffset CreatedAt);

/// <summary>
/// One-time recovery codes: ten per person, shown once when they are issued, each of which authorises one reset of
/// the person's authenticator without a cooling-off. The store keeps HMAC-SHA256 hashes under a key derived from
/// the key-encryption key, with the account id in the input.
/// </summary>
/// <remarks>
/// Why a keyed hash and not a slow one: a code is 50 random bits from the OS CSPRNG, not a password a person chose,
/// so there is no dictionary to slow down; what a slow hash would protect against is someone holding a copy of the
/// database guessing offline, and without the key-encryption key (which never goes into the database) that person
/// cannot compute a single candidate hash at all. Whoever holds the key-encryption key can open every
/// authenticator seed anyway. Online guesses go through the account's lockout like wrong authenticator codes. The
/// account id in the hash input stops a hash copied to another account's rows from opening that account, and the
/// hash is compared in constant time. A slow hash would also cost its work factor ten times per attempt inside
/// the store's write lock.
/// </remarks>
public sealed class RecoveryCodes
{
    /// <summary>How many codes a person gets at a time.</summary>
    public const int Count = 10;

    private const int Characters = 10;

    // Crockford's base32 in lower case: no i, l, o or u, so that a code copied from paper is read back as written.
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private readonly byte[] key;

    public RecoveryCodes(byte[] key) => this.key = key;

    /// <summary>Ten new codes for <paramref name="accountId"/>: the codes to show once, and the hashes to store.</summary>
    public (IReadOnlyList<SecureString> Codes, IReadOnlyList<RecoveryCodeHash> Hashes) Issue(string accountId, DateTimeOffset now)
    {
        var codes = new List<SecureString>(Count);
        var hashes = new List<RecoveryCodeHash>(Count);
        Span<char> code = stackalloc char[Characters + 1];
        try
        {
            for (var i = 0; i < Count; i++)
            {
                for (var c = 0; c < Characters; c++)
                {
                    code[c < 5 ? c : c + 1] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
                }

                code[5] = '-';
                hashes.Add(new RecoveryCodeHash(Guid.NewGuid().ToString("N"), accountId, Hash(accountId, code), now));
                var secure = new SecureString();
                foreach (var c in code)
                {
                    secure.AppendChar(c);
                }

                secure.MakeReadOnly();
                codes.Add(secure);
            }
        }
        finally
        {
            code.Clear();
        }

        return (codes, hashes);
    }

    /// <summary>The stored code that <paramref name="presented"/> is, compared in constant time; null when none is.</summary>
    public RecoveryCodeHash? Match(string accountId, string presented, IEnumerable<RecoveryCodeHash> stored)
    {
        var hash = Encoding.ASCII.GetBytes(Hash(accountId, presented));
        RecoveryCodeHash? found = null;
        foreach (var candidate in stored)
        {
            // Every candidate is compared, so the time taken does not say which one matched.
            if (candidate.AccountId == accountId &&
                CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate.Hash), hash) &&
                found is null)
            {
                found = candidate;
            }
        }

        return found;
    }

    /// <summary>True when <paramref name="text"/> has the shape of a recovery code (the code itself never enters a message).</summary>
    public static bool IsWellFormed(string? text) => text is not null && Normalize(text) is { Length: Characters } normal && normal.All(c => Alphabet.Contains(c));

    private string Hash(string accountId, ReadOnlySpan<char> code)
    {
        var normal = Normalize(code.ToString());
        var input = Encoding.UTF8.GetBytes("recovery code|" + accountId + "|" + normal);
        try
        {
            return Convert.ToHexString(HMACSHA256.HashData(key, input)).ToLowerInvariant();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    /// <summary>What a person may type: any case, with or without the dash or spaces.</summary>
    private static string Normalize(string text) =>
        new(text.Where(c => c != '-' && !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant).ToArray());
}
