namespace KeyAdmin.Core.Verification;

/// <summary>How strict and how fresh the verifier is.</summary>
public sealed record VerifierOptions
{
    /// <summary>How far a request's timestamp may be from the verifier's clock, either way (default ±5 s).</summary>
    public TimeSpan TimestampWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a cached key is trusted before its state is read again whatever else happens: the safety net under the
    /// change watch (<see cref="WatchChanges"/>), and the bound on how late another process's Disable-ApiKey takes
    /// effect here when the watch cannot tell (R9 asks for one second; the default leaves half of it for the read).
    /// </summary>
    public TimeSpan RevalidateAfter { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often a cached key's whole row (and its account's) is read again and checked against its row seal. A key
    /// entering the cache is always checked whole; revalidations in between read and check only what the verifier
    /// decides on, against its own seal (docs/SECURITY.md), so a change to a key's other columns (memo, name …)
    /// made outside KeyAdmin is refused here within this time.
    /// </summary>
    public TimeSpan FullCheckAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Drop a cached key as soon as any process commits a change to it or its account: PostgreSQL notifies the
    /// verifier on commit; on SQLite it looks at the file's change counter every <see cref="ChangePollInterval"/>.
    /// Nothing is read per request either way.
    /// </summary>
    public bool WatchChanges { get; init; } = true;

    /// <summary>How often a verifier over SQLite looks at the file's change counter (an in-memory read).</summary>
    public TimeSpan ChangePollInterval { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>How often last use and refusal counts are written to the store (coalesced, not per request).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Which requests that need only Read are replay-protected. Trade, Transfer and Withdraw requests always are.
    /// The default protects those that change something (POST, PUT, PATCH, DELETE), in both schemes.
    /// </summary>
    public ReadReplayProtection ReadReplay { get; init; } = ReadReplayProtection.Writes;

    /// <summary>
    /// How many unexpired replay-protected requests one key may have remembered at once (its share of the
    /// store's replay memory). A key past it is refused with ReplayLimitReached until its entries expire; no
    /// entry is ever forgotten before it expires, so one key's flood cannot make room to replay another's.
    /// </summary>
    public int ReplaySharePerKey { get; init; } = 10_000;

    /// <summary>
    /// The most refusal counters the verifier gathers between two flushes. Refusals of keys that do not exist
    /// share one counter per reason whatever key id was sent; past this many, the rest share one more.
    /// </summary>
    public int RefusalCounters { get; init; } = 10_000;

    /// <summary>The longest body the verifier hashes; longer requests are refused as Malformed.</summary>
    public int MaxBodyBytes { get; init; } = 10 * 1024 * 1024;
}

/// <summary>Which Read requests the verifier refuses to accept twice.</summary>
public enum ReadReplayProtection
{
    /// <summary>Requests that change something: every method but GET, HEAD and OPTIONS.</summary>
    Writes,

    /// <summary>Every request: even a repeated GET within the timestamp window is refused as Replayed.</summary>
    All,

    /// <summary>No Read request (only Trade, Transfer and Withdraw ones).</summary>
    None,
}
