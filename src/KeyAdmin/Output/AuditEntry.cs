namespace KeyAdmin;

/// <summary>One audit record as Get-ApiKeyAuditLog streams it: who did what to which target, and how it ended.</summary>
public sealed class AuditEntry
{
    internal AuditEntry(Core.Audit.AuditEntry entry)
    {
        Sequence = entry.Sequence;
        At = entry.At;
        Actor = entry.Actor;
        ActorHost = entry.ActorHost;
        Action = entry.Action;
        AccountName = entry.AccountName;
        AccountId = entry.AccountId;
        KeyId = entry.KeyId;
        Target = entry.Target;
        Outcome = entry.Outcome.ToString();
        Reason = entry.Reason;
        ConfirmedBy = entry.ConfirmedBy;
        Detail = entry.Detail;
        Rows = entry.Rows;
        PreviousHash = entry.PreviousHash;
        Hash = entry.Hash;
    }

    public long Sequence { get; }

    public DateTimeOffset At { get; }

    public string Actor { get; }

    public string ActorHost { get; }

    /// <summary>Such as ApiKey.Create, TwoFactor.LockedOut or Verification.Refused.</summary>
    public string Action { get; }

    /// <summary>The account's name when the record was written; (store) for the store administrator's records.</summary>
    public string? AccountName { get; }

    /// <summary>
    /// The id of the account the record is about, so that an account later created under a removed one's name never
    /// inherits its history; empty in records written before account ids were recorded.
    /// </summary>
    public string? AccountId { get; }

    public string? KeyId { get; }

    public string? Target { get; }

    /// <summary>Succeeded or Refused.</summary>
    public string Outcome { get; }

    public string? Reason { get; }

    /// <summary>The authenticator whose code confirmed the action, when one did.</summary>
    public string? ConfirmedBy { get; }

    /// <summary>Non-secret facts of the change, as "name=value" pairs separated by "; ".</summary>
    public string? Detail { get; }

    /// <summary>The rows the change wrote and their seals, so that the audit proves each row's state.</summary>
    public string? Rows { get; }

    public string? PreviousHash { get; }

    public string? Hash { get; }

    public override string ToString() => $"{Sequence} {Action} {Outcome}";
}

/// <summary>What Test-ApiKeyAuditLog proved: the chain intact up to its sealed head, or the first broken record.</summary>
public sealed class AuditChainReport
{
    internal AuditChainReport(Core.Audit.AuditChainReport report)
    {
        IsIntact = report.IsIntact;
        RecordsChecked = report.RecordsChecked;
        FirstBrokenSequence = report.FirstBrokenSequence;
        Problem = report.Problem;
        FirstBroken = report.FirstBroken is null ? null : new AuditEntry(report.FirstBroken);
        HeadSequence = report.HeadSequence;
        HeadHash = report.HeadHash;
        Head = report.Head;
    }

    public bool IsIntact { get; }

    public long RecordsChecked { get; }

    public long? FirstBrokenSequence { get; }

    public string? Problem { get; }

    public AuditEntry? FirstBroken { get; }

    public long HeadSequence { get; }

    public string? HeadHash { get; }

    /// <summary>The head as "sequence,hash", for a scheduled audit to pin elsewhere (Test-ApiKeyAuditLog -ExpectedHead); null when broken.</summary>
    public string? Head { get; }
}
