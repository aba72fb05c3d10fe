namespace KeyAdmin.Core.Rotation;

/// <summary>The steps of a rotation, in order. Each is journalled in the store before the next begins.</summary>
public enum RotationState
{
    /// <summary>Checked and recorded; nothing created yet.</summary>
    Planned,

    /// <summary>The successor exists (enabled, its secret sealed in the store) but nobody holds it yet.</summary>
    Created,

    /// <summary>The successor is in the vault entry the applications read, read back and compared.</summary>
    Delivered,

    /// <summary>The caller's test passed with the successor's credential.</summary>
    Tested,

    /// <summary>The old key is disabled (or expires after the grace period) and the names moved over.</summary>
    Retired,

    Completed,

    /// <summary>Undone: the vault holds the old credential again and the successor is destroyed.</summary>
    RolledBack,
}

/// <summary>One rotation's journal entry: enough to complete or undo it after a crash. Never a secret.</summary>
public sealed record RotationRecord
{
    public required string RotationId { get; init; }

    public required string AccountName { get; init; }

    public required string OldKeyId { get; init; }

    public string? NewKeyId { get; init; }

    public required string Vault { get; init; }

    public required string SecretName { get; init; }

    /// <summary>Whether the vault entry held the old key's credential before (then undo restores it; else undo removes the entry).</summary>
    public required bool VaultHeldOldKey { get; init; }

    public required RotationState State { get; init; }

    public TimeSpan? GracePeriod { get; init; }

    public bool RemoveOld { get; init; }

    /// <summary>A test was asked for: the rotation must not complete without one passing.</summary>
    public bool TestRequired { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required string StartedBy { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public string? Error { get; init; }

    public bool IsFinished => State is RotationState.Completed or RotationState.RolledBack;
}
