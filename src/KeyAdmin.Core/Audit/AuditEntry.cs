namespace KeyAdmin.Core.Audit;

public enum AuditOutcome
{
    Succeeded,
    Refused,
}

/// <summary>
/// One audit record: who did what to which target, and how it ended. Written in the same transaction as the
/// change it describes. Never carries a secret or a code.
/// </summary>
public sealed record AuditEntry
{
    public long Sequence { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string Actor { get; init; }

    public required string ActorHost { get; init; }

    public required string Action { get; init; }

    public string? AccountName { get; init; }

    /// <summary>
    /// The id of the account the record is about, so that an account created later under a removed account's name
    /// does not inherit its history; null in records written before ids were recorded (schema 4 and earlier).
    /// </summary>
    public string? AccountId { get; init; }

    public string? KeyId { get; init; }

    public string? Target { get; init; }

    public required AuditOutcome Outcome { get; init; }

    public string? Reason { get; init; }

    /// <summary>The authenticator whose code confirmed the action, when one did.</summary>
    public string? ConfirmedBy { get; init; }

    /// <summary>Non-secret facts of the change, as "name=value" pairs separated by "; ".</summary>
    public string? Detail { get; init; }

    /// <summary>
    /// The rows the transaction of this record changed ("api_keys:kak_…,accounts:…"), on the first record of each
    /// transaction: sealed by the chain, so that a row set back to an older version is seen (docs/SECURITY.md).
    /// </summary>
    public string? Rows { get; init; }

    /// <summary>The previous record's hash, set by the store when the record is written.</summary>
    public string? PreviousHash { get; init; }

    /// <summary>This record's chain hash (<see cref="AuditChain"/>), set by the store when the record is written.</summary>
    public string? Hash { get; init; }
}
