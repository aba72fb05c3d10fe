namespace KeyAdmin.Core.Audit;

/// <summary>Filters the store applies when streaming audit records; action wildcards are matched by the caller.</summary>
public sealed record AuditQuery
{
    public long AfterSequence { get; init; }

    public string? Account { get; init; }

    public string? KeyId { get; init; }

    public AuditOutcome? Outcome { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Newest first when true (the default for reading), oldest first for chain verification.</summary>
    public bool NewestFirst { get; init; }

    /// <summary>At most this many records; null for all.</summary>
    public int? Limit { get; init; }
}
