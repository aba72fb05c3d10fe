namespace KeyAdmin;

/// <summary>One rotation's journal entry (Get-ApiKeyRotation): enough to complete or undo it. Never a secret.</summary>
public sealed class RotationRecord
{
    internal RotationRecord(Core.Rotation.RotationRecord record)
    {
        RotationId = record.RotationId;
        AccountName = record.AccountName;
        OldKeyId = record.OldKeyId;
        NewKeyId = record.NewKeyId;
        Vault = record.Vault;
        SecretName = record.SecretName;
        VaultHeldOldKey = record.VaultHeldOldKey;
        State = record.State.ToString();
        GracePeriod = record.GracePeriod;
        RemoveOld = record.RemoveOld;
        TestRequired = record.TestRequired;
        StartedAt = record.StartedAt;
        StartedBy = record.StartedBy;
        UpdatedAt = record.UpdatedAt;
        Error = record.Error;
        IsFinished = record.IsFinished;
    }

    public string RotationId { get; }

    public string AccountName { get; }

    public string OldKeyId { get; }

    public string? NewKeyId { get; }

    public string Vault { get; }

    public string SecretName { get; }

    public bool VaultHeldOldKey { get; }

    /// <summary>Planned, Created, Delivered, Tested, Retired, Completed or RolledBack.</summary>
    public string State { get; }

    public TimeSpan? GracePeriod { get; }

    public bool RemoveOld { get; }

    public bool TestRequired { get; }

    public DateTimeOffset StartedAt { get; }

    public string StartedBy { get; }

    public DateTimeOffset UpdatedAt { get; }

    public string? Error { get; }

    public bool IsFinished { get; }

    public override string ToString() => RotationId;
}

/// <summary>One rotated key, as Invoke-ApiKeyRotation and Resume-ApiKeyRotation output it.</summary>
public sealed class RotationOutcome
{
    internal RotationOutcome(Core.Rotation.RotationOutcome outcome)
    {
        RotationId = outcome.RotationId;
        Account = outcome.Account;
        KeyName = outcome.KeyName;
        OldKeyId = outcome.OldKeyId;
        NewKeyId = outcome.NewKeyId;
        Vault = outcome.Vault;
        SecretName = outcome.SecretName;
        State = outcome.State.ToString();
        Message = outcome.Message;
    }

    public string RotationId { get; }

    public string Account { get; }

    /// <summary>The name of the key the applications now use.</summary>
    public string KeyName { get; }

    public string OldKeyId { get; }

    public string? NewKeyId { get; }

    public string Vault { get; }

    public string SecretName { get; }

    /// <summary>Completed, or RolledBack when it was undone.</summary>
    public string State { get; }

    public string Message { get; }

    public override string ToString() => $"{RotationId} {State}";
}
