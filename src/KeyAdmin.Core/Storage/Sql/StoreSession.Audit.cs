using System.Data.Common;
using System.Globalization;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Rotation;
using static KeyAdmin.Core.Storage.StoreRows;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>The session's audit log, its chain and sealed head, the store's meta values, and the rotation journal.</summary>
internal sealed partial class StoreSession
{
    private const string AuditHeadName = "audit_head";

    public void Append(AuditEntry entry)
    {
        try
        {
            var head = ReadAuditHead();
            var previous = head?.Hash ?? AuditChain.Genesis;
            // One past both the last row and the sealed head: a number is never reused, even after records were cut
            // off the end. Writers hold the store's lock, so no two compute the same.
            var sequence = QuerySingle(
                "INSERT INTO audit (seq, at, actor, actor_host, action, account, key_id, target, outcome, reason, confirmed_by, detail, account_id) " +
                "SELECT CASE WHEN coalesce(max(seq), 0) > @head THEN max(seq) ELSE @head END + 1, " +
                "@at, @actor, @host, @action, @account, @key, @target, @outcome, @reason, @confirmed, @detail, @accountId FROM audit " +
                "RETURNING seq",
                r => r.GetInt64(0),
                ("head", head?.Sequence ?? 0L),
                ("at", Time(entry.At)),
                ("actor", entry.Actor),
                ("host", entry.ActorHost),
                ("action", entry.Action),
                ("account", entry.AccountName),
                ("key", entry.KeyId),
                ("target", entry.Target),
                ("outcome", entry.Outcome.ToString()),
                ("reason", entry.Reason),
                ("confirmed", entry.ConfirmedBy),
                ("detail", entry.Detail),
                ("accountId", entry.AccountId));
            Chain(entry with { Sequence = sequence }, previous);
        }
        catch (DbException e) when (!dialect.IsRetryable(e))
        {
            throw new KeyAdminException(KeyAdminError.AuditWriteFailed, $"The audit record for {entry.Action} could not be written, so the change was not made: {dialect.Message(e)}", entry.Action, e);
        }
    }

    public AuditHead? ReadAuditHead()
    {
        var value = ReadMeta(AuditHeadName);
        if (value is null)
        {
            return null;
        }

        var parts = value.Split('|');
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new AuditHead(sequence, parts[1], parts[2])
            : new AuditHead(0, value, string.Empty);
    }

    /// <summary>Seals records written before the chain existed (a store migrated from schema 1 or 2), in order.</summary>
    public int SealUnchainedAudit()
    {
        var unsealed = StreamAudit(new AuditQuery()).Where(e => e.Hash is null).ToList();
        if (unsealed.Count == 0)
        {
            return 0;
        }

        var previous = ReadAuditHead()?.Hash ?? AuditChain.Genesis;
        foreach (var entry in unsealed)
        {
            previous = Chain(entry, previous);
        }

        return unsealed.Count;
    }

    public IEnumerable<AuditEntry> StreamAudit(AuditQuery query)
    {
        var (sql, parameters) = AuditSql.Select(query);
        return Stream(sql, ReadAudit, parameters);
    }

    /// <summary>Records <paramref name="value"/> under <paramref name="name"/> unless a value is there; returns the value that is.</summary>
    public string ClaimMeta(string name, string value)
    {
        Execute($"INSERT INTO {dialect.Table("meta")} (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING", ("name", name), ("value", value));
        return ReadMeta(name)!;
    }

    public string? ReadMeta(string name) =>
        QuerySingle($"SELECT value FROM {dialect.Table("meta")} WHERE name = @name", r => r.GetString(0), ("name", name));

    public RotationRecord? FindRotation(string rotationId) =>
        QuerySingle($"SELECT {RotationColumns} FROM rotations WHERE rotation_id = @id", ReadRotation, ("id", rotationId));

    public IReadOnlyList<RotationRecord> ListRotations(bool unfinishedOnly) => QueryList(
        $"SELECT {RotationColumns} FROM rotations" + (unfinishedOnly ? " WHERE state NOT IN ('Completed', 'RolledBack')" : string.Empty) + " ORDER BY started_at DESC, rotation_id",
        ReadRotation);

    public void InsertRotation(RotationRecord rotation) => Execute(
        $"INSERT INTO rotations ({RotationColumns}) VALUES (@id, @account, @old, @new, @vault, @secret, @held, @state, @grace, @remove, @test, @started, @by, @updated, @error)",
        RotationParameters(rotation));

    public void UpdateRotation(RotationRecord rotation) => Execute(
        "UPDATE rotations SET new_key_id = @new, state = @state, updated_at = @updated, error = @error WHERE rotation_id = @id",
        RotationParameters(rotation));

    /// <summary>Writes the chain fields of a stored record and moves the head to it; returns its hash.</summary>
    private string Chain(AuditEntry entry, string previous)
    {
        var hash = chain.Hash(entry, previous);
        Execute("UPDATE audit SET prev_hash = @previous, hash = @hash WHERE seq = @seq", ("previous", previous), ("hash", hash), ("seq", entry.Sequence));
        Execute(
            $"INSERT INTO {dialect.Table("meta")} (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            ("name", AuditHeadName),
            ("value", $"{entry.Sequence.ToString(CultureInfo.InvariantCulture)}|{hash}|{chain.HeadSeal(entry.Sequence, hash)}"));
        return hash;
    }

    private static (string, object?)[] RotationParameters(RotationRecord r) => new (string, object?)[]
    {
        ("id", r.RotationId),
        ("account", r.AccountName),
        ("old", r.OldKeyId),
        ("new", r.NewKeyId),
        ("vault", r.Vault),
        ("secret", r.SecretName),
        ("held", r.VaultHeldOldKey),
        ("state", r.State.ToString()),
        ("grace", r.GracePeriod is { } grace ? (long)grace.TotalSeconds : null),
        ("remove", r.RemoveOld),
        ("test", r.TestRequired),
        ("started", Time(r.StartedAt)),
        ("by", r.StartedBy),
        ("updated", Time(r.UpdatedAt)),
        ("error", r.Error),
    };
}
