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

    /// <summary>True when <paramref name="head"/> carries the seal KeyAdmin gave it.</summary>
    public bool IsSealed(AuditHead head) => FixedEquals(head.Seal, HeadSeal(head.Sequence, head.Hash));

    /// <summary>
    /// Walks the records in sequence order and reports the first that breaks the chain, streaming: memory stays
    /// flat however long the log is.
    /// </summary>
    public AuditChainReport Verify(IEnumerable<AuditEntry> ascending, AuditHead? head, Action<long>? progress = null) =>
        Verify(ascending.Select(e => (e, (string?)null, true)), head, new AuditCheck { CheckRowIndex = false }, progress);

    /// <summary>
    /// The whole check of <see cref="Verify(IEnumerable{AuditEntry}, AuditHead?, Action{long}?)"/>, and with
    /// <see cref="AuditCheck.CheckRowIndex"/> the row index against the rows each record was sealed with, and with
    /// <see cref="AuditCheck.Expected"/> that a head pinned earlier is still part of the chain. A record not stored as
    /// KeyAdmin writes it (a value of another type, which SQL compares differently from its text) is broken too.
    /// </summary>
    public AuditChainReport Verify(IEnumerable<(AuditEntry Entry, string? IndexedRows, bool StoredAsWritten)> ascending, AuditHead? head, AuditCheck check, Action<long>? progress = null)
    {
        if (check.Unfaithful is { } unfaithful)
        {
            return AuditChainReport.Untrusted($"The store's schema lets the server answer one query differently from another ({unfaithful}): no check of it can be trusted.");
        }

        var previousHash = Genesis;
        long previousSequence = 0;
        long count = 0;
        var expected = check.Expected;
        foreach (var (entry, indexed, storedAsWritten) in ascending)
        {
            count++;
            progress?.Invoke(count);
            if (entry.Sequence <= previousSequence)
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} is out of order: it follows record {previousSequence}.");
            }

            if (entry.Sequence != previousSequence + 1)
            {
                return AuditChainReport.Broken(count, entry, $"Records {previousSequence + 1} to {entry.Sequence - 1} are missing before record {entry.Sequence}.");
            }

            if (!storedAsWritten)
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} ({entry.Action}) holds a value KeyAdmin never writes there, or not as it writes it: it was changed outside KeyAdmin.");
            }

            if (entry.Hash is null)
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} ({entry.Action}) was never sealed: it was written outside KeyAdmin.");
            }

            if (!string.Equals(entry.PreviousHash, previousHash, StringComparison.Ordinal))
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} does not follow record {previousSequence}: the records were reordered or the previous one replaced.");
            }

            if (!FixedEquals(entry.Hash, Hash(entry, previousHash)))
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} ({entry.Action}) was changed after it was written.");
            }

            if (check.CheckRowIndex && !SameRows(entry.Rows, indexed))
            {
                return AuditChainReport.Broken(count, entry, $"The row index of record {entry.Sequence} ({entry.Action}) was changed: the rows it changed are no longer all recorded.");
            }

            if (expected is not null && entry.Sequence == expected.Sequence && !FixedEquals(entry.Hash, expected.Hash))
            {
                return AuditChainReport.Broken(count, entry, $"Record {entry.Sequence} is not the pinned head {expected}: the store was rolled back or replaced since it was pinned.");
            }

            previousHash = entry.Hash!;
            previousSequence = entry.Sequence;
        }

        if (head is null)
        {
            if (count != 0)
            {
                return AuditChainReport.Broken(count, previousSequence, "The chain's head record is missing: the log cannot prove that nothing was cut off its end.");
            }
        }
        else
        {
            if (!IsSealed(head))
            {
                return AuditChainReport.Broken(count, head.Sequence, "The chain's head was changed after it was written.");
            }

            if (head.Sequence != previousSequence || !string.Equals(head.Hash, previousHash, StringComparison.Ordinal))
            {
                return AuditChainReport.Broken(count, previousSequence + 1, head.Sequence > previousSequence
                    ? $"Records {previousSequence + 1} to {head.Sequence} are missing from the end of the log."
                    : $"The log ends at record {previousSequence}, past its head {head.Sequence}.");
            }
        }

        if (expected is not null && previousSequence < expected.Sequence)
        {
            return AuditChainReport.Broken(count, previousSequence + 1, $"The log ends at record {previousSequence}, before the pinned head {expected}: the store was rolled back or replaced since it was pinned.");
        }

        if (check.StrayIndexEntry is { } stray)
        {
            return AuditChainReport.Broken(count, stray, $"The row index holds entries under record {stray} that the record does not list: it was changed outside KeyAdmin.");
        }

        if (check.UnfaithfulIndex is { } index)
        {
            // Last: a record the walk names says more. An index that lacks rows answers the read checks otherwise than
            // this walk, so that a row set back together with the index entry of its later version, hidden from the
            // index the reads take, passes both unless this says so.
            return AuditChainReport.Untrusted($"An index of the store does not hold what its table holds ({index}): reads through it see other rows than this check; it was changed outside KeyAdmin.");
        }

        return AuditChainReport.Intact(count, previousSequence, previousHash);
    }

    private static bool SameRows(string? sealedRows, string? indexed)
    {
        static string[] Split(string? rows) => rows is null ? Array.Empty<string>() : rows.Split(',').Order(StringComparer.Ordinal).ToArray();
        return Split(sealedRows).SequenceEqual(Split(indexed), StringComparer.Ordinal);
    }

    private static bool FixedEquals(string? a, string b) =>
        a is not null && a.Length == b.Length &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    /// <summary>
    /// Length-prefixed fields, so that no two different records share a canonical form. A record whose account id was
    /// removed afterwards has fewer fields than it was sealed with, and fails its hash.
    /// </summary>
    private static byte[] Canonical(AuditEntry e, string previousHash)
    {
        var canonical = new Crypto.Canonical()
            .Add(e.Sequence)
            .Add(e.At.ToUnixTimeMilliseconds())
            .Add(e.Actor).Add(e.ActorHost).Add(e.Action).Add(e.AccountName).Add(e.KeyId).Add(e.Target).Add(e.Outcome.ToString())
            .Add(e.Reason).Add(e.ConfirmedBy).Add(e.Detail)
            .Add(previousHash);
        // The rows a transaction changed are sealed with its first record, and the account id (schema 7) with every
        // record about an account: records of older releases have neither and keep the form they were sealed in. With
        // an account id both fields follow (the rows possibly null), so the three forms have different field counts.
        if (e.AccountId is not null)
        {
            return canonical.Add(e.Rows).Add(e.AccountId).ToBytes();
        }

        return (e.Rows is null ? canonical : canonical.Add(e.Rows)).ToBytes();
    }
}

/// <summary>The last record of the chain as the store last wrote it, with its seal.</summary>
public sealed record AuditHead(long Sequence, string Hash, string Seal);

/// <summary>What a chain check compares besides the records themselves.</summary>
public sealed record AuditCheck
{
    /// <summary>Compare the row index with the rows each record was sealed with (a store from before row seals has none).</summary>
    public bool CheckRowIndex { get; init; } = true;

    /// <summary>A head pinned earlier (from a copy kept elsewhere) that must still be part of the chain.</summary>
    public PinnedAuditHead? Expected { get; init; }

    /// <summary>The first record under which the row index holds entries that record does not list, if any.</summary>
    public long? StrayIndexEntry { get; init; }

    /// <summary>
    /// What in the store's schema would let the server answer one query differently from another (row security, a
    /// rule, a view in a table's place), if anything: then neither the log nor any check of it can be trusted.
    /// </summary>
    public string? Unfaithful { get; init; }

    /// <summary>
    /// What the engine's own check finds wrong with an index (SQLite's integrity_check), if anything: through such an
    /// index the store answers the read checks otherwise than the chain check.
    /// </summary>
    public string? UnfaithfulIndex { get; init; }
}

/// <summary>
/// A head as a scheduled audit prints it and pins it elsewhere: "sequence,hash". A later check with it proves the
/// log still contains that record unchanged, which a rollback or replacement of the whole store cannot fake.
/// </summary>
public sealed record PinnedAuditHead(long Sequence, string Hash)
{
    public static PinnedAuditHead Parse(string text)
    {
        var parts = text.Trim().Split(',', 2);
        if (parts.Length != 2 || !long.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence < 1 ||
            parts[1].Trim() is not { Length: 64 } hash || !hash.All(Uri.IsHexDigit))
        {
            throw new Errors.KeyAdminException(Errors.KeyAdminError.InvalidAuditHead, "An expected head is 'sequence,hash' as Test-ApiKeyAuditLog reports it in Head, for example '42,3f9c…' (64 hex digits).", text);
        }

        return new PinnedAuditHead(sequence, parts[1].Trim().ToLowerInvariant());
    }

    public override string ToString() => $"{Sequence.ToString(CultureInfo.InvariantCulture)},{Hash}";
}

/// <summary>What Test-ApiKeyAuditLog reports: intact, or the first broken record and what is wrong with it.</summary>
public sealed record AuditChainReport(bool IsIntact, long RecordsChecked, long? FirstBrokenSequence, string? Problem, AuditEntry? FirstBroken, long HeadSequence, string? HeadHash)
{
    /// <summary>The head as "sequence,hash", for a scheduled audit to print and pin elsewhere (-ExpectedHead); null when broken.</summary>
    public string? Head => IsIntact && HeadSequence > 0 ? new PinnedAuditHead(HeadSequence, HeadHash!).ToString() : null;

    public static AuditChainReport Intact(long count, long headSequence, string headHash) => new(true, count, null, null, null, headSequence, headHash);

    public static AuditChainReport Broken(long count, AuditEntry entry, string problem) => new(false, count, entry.Sequence, problem, entry, 0, null);

    public static AuditChainReport Broken(long count, long sequence, string problem) => new(false, count, sequence, problem, null, 0, null);

    /// <summary>A log that could not be checked at all: no record is named, since none can be trusted.</summary>
    public static AuditChainReport Untrusted(string problem) => new(false, 0, null, problem, null, 0, null);
}
