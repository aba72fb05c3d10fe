namespace KeyAdmin.Core.Verification;

/// <summary>How strict and how fresh the verifier is.</summary>
public sealed record VerifierOptions
{
    /// <summary>How far a request's timestamp may be from the verifier's clock, either way (default ±5 s).</summary>
    public TimeSpan TimestampWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a cached key is trusted before its state is read again: the bound on how late another process's
    /// Disable-ApiKey takes effect here (R9 asks for one second; the default leaves half of it for the read).
    /// </summary>
    public TimeSpan RevalidateAfter { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often last use and refusal counts are written to the store (coalesced, not per request).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The most signatures remembered against replay; beyond it the oldest are forgotten first.</summary>
    public int ReplayMemory { get; init; } = 100_000;

    /// <summary>The longest body the verifier hashes; longer requests are refused as Malformed.</summary>
    public int MaxBodyBytes { get; init; } = 10 * 1024 * 1024;
}
