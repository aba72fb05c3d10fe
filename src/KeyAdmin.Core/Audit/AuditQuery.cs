namespace KeyAdmin.Core.Audit;

/// <summary>Filters the store applies when streaming audit records; action wildcards are matched by the caller.</summary>
public sealed record AuditQuery
{
    public long AfterSequence { get; init; }

    /// <summary>
    /// Records of the account of this name. When <see cref="AccountId"/> is set (the account exists), only its own
    /// records: those that carry its id, and older records without ids written after it was created.
    /// </summary>
    public string? Account { get; init; }

    /// <summary>The id of the existing account named <see cref="Account"/>, set by the authority.</summary>
    public string? AccountId { get; init; }

    /// <summary>When that account was created: records without an id written before it belong to an earlier holder of the name.</summary>
    public DateTimeOffset? AccountCreatedAt { get; init; }

    public string? KeyId { get; init; }

    public AuditOutcome? Outcome { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Newest first when true (the default for reading), oldest first for chain verification.</summary>
    public bool NewestFirst { get; init; }

    /// <summary>At most this many records; null for all.</summary>
    public int? Limit { get; init; }
}
