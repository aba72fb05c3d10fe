using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KeyAdmin.Core.Audit;

/// <summary>
/// Chains audit records: each carries an HMAC-SHA256 over its canonical content and the previous record's
/// hash, keyed with a key derived from the key-encryption key. Anyone holding only the database can neither
/// edit, delete nor reorder records without the chain saying so, nor recompute the chain to hide it.
/// </summary>
public sealed class AuditChain
{
    /// <summary>The previous hash of the first record.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private readonly byte[] key;

    public AuditChain(byte[] key) => this.key = key;

    /// <summary>The hash of <paramref name="entry"/> (its Sequence set) following <paramref name="previousHash"/>.</summary>
    public string Hash(AuditEntry entry, string previousHash)
    {
        var canonical = Canonical(entry, previousHash);
        return Convert.ToHexString(HMACSHA256.HashData(key, canonical)).ToLowerInvariant();
    }

    /// <summary>The seal of the chain's head, so that cutting records off the end is seen too.</summary>
    public string HeadSeal(long sequence, string hash) =>
        Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"head|{sequence.ToString(CultureInfo.InvariantCulture)}|{hash}"))).ToLowerInvariant();

    /// <summary>
    /// Walks the records in sequence order and reports the first that breaks the chain, streaming: memory stays
    /// flat however long the log is.
    /// </summary>
    public AuditChainReport Verify(IEnumerable<AuditEntry> ascending, AuditHead? head, Action<long>? progress = null)
    {
        var previousHash = Genesis;
        long previousSequence = 0;
        long count = 0;
        foreach (var entry in ascending)
        {
            count++;
            progress?.Invoke(count);
            if (entry.Sequence <= previousSequence)
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} is out of order: it follows record {previousSequence}.");
            }

            if (!string.Equals(entry.PreviousHash, previousHash, StringComparison.Ordinal))
            {
                return AuditChainReport.Broken(count, entry, entry.Sequence != previousSequence + 1
                    ? $"Records {previousSequence + 1} to {entry.Sequence - 1} are missing before record {entry.Sequence}."
                    : $"Record {entry.Sequence} does not follow record {previousSequence}: the records were reordered or the previous one replaced.");
            }

            if (!FixedEquals(entry.Hash, Hash(entry, previousHash)))
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} ({entry.Action}) was changed after it was written.");
            }

            previousHash = entry.Hash!;
            previousSequence = entry.Sequence;
        }

        if (head is null)
        {
            return count == 0
                ? AuditChainReport.Intact(0, 0, Genesis)
                : AuditChainReport.Broken(count, previousSequence, "The chain's head record is missing: the log cannot prove that nothing was cut off its end.");
        }

        if (!FixedEquals(head.Seal, HeadSeal(head.Sequence, head.Hash)))
        {
            return AuditChainReport.Broken(count, head.Sequence, "The chain's head was changed after it was written.");
        }

        if (head.Sequence != previousSequence || !string.Equals(head.Hash, previousHash, StringComparison.Ordinal))
        {
            return AuditChainReport.Broken(count, previousSequence + 1, head.Sequence > previousSequence
                ? $"Records {previousSequence + 1} to {head.Sequence} are missing from the end of the log."
                : $"The log ends at record {previousSequence}, past its head {head.Sequence}.");
        }

        return AuditChainReport.Intact(count, previousSequence, previousHash);
    }

    private static bool FixedEquals(string? a, string b) =>
        a is not null && a.Length == b.Length &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    /// <summary>
    /// Length-prefixed fields, so that no two different records share a canonical form. The account id (schema 5) is
    /// a field only when a record has one: records written before it hash as they always did, and one whose id was
    /// removed afterwards has one field fewer than it was sealed with.
    /// </summary>
    private static byte[] Canonical(AuditEntry e, string previousHash)
    {
        var builder = new StringBuilder(256);
        var fields = new List<string?>
        {
            e.Sequence.ToString(CultureInfo.InvariantCulture),
            e.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            e.Actor, e.ActorHost, e.Action, e.AccountName, e.KeyId, e.Target, e.Outcome.ToString(), e.Reason, e.ConfirmedBy, e.Detail,
        };
        if (e.AccountId is not null)
        {
            fields.Add("account:" + e.AccountId);
        }

        fields.Add(previousHash);
        foreach (var field in fields)
        {
            builder.Append(field is null ? "-1" : field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append('|');
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}

/// <summary>The last record of the chain as the store last wrote it, with its seal.</summary>
public sealed record AuditHead(long Sequence, string Hash, string Seal);

/// <summary>What Test-ApiKeyAuditLog reports: intact, or the first broken record and what is wrong with it.</summary>
public sealed record AuditChainReport(bool IsIntact, long RecordsChecked, long? FirstBrokenSequence, string? Problem, AuditEntry? FirstBroken, long HeadSequence, string? HeadHash)
{
    public static AuditChainReport Intact(long count, long headSequence, string headHash) => new(true, count, null, null, null, headSequence, headHash);

    public static AuditChainReport Broken(long count, AuditEntry entry, string problem) => new(false, count, entry.Sequence, problem, entry, 0, null);

    public static AuditChainReport Broken(long count, long sequence, string problem) => new(false, count, sequence, problem, null, 0, null);
}
