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

    /// <summary>
    /// Inserts the record under the next sequence; <see cref="Complete"/> seals it when the transaction is done.
    /// The head is checked first: nothing is appended to a chain whose end is not the one KeyAdmin sealed.
    /// </summary>
    public void Append(AuditEntry entry)
    {
        try
        {
            var sequence = TransactionVersion() + appended.Count;
            Execute(
                "INSERT INTO audit (seq, at, actor, actor_host, action, account, key_id, target, outcome, reason, confirmed_by, detail, account_id) " +
                "VALUES (@seq, @at, @actor, @host, @action, @account, @key, @target, @outcome, @reason, @confirmed, @detail, @accountId)",
                ("seq", sequence),
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
            appended.Add(entry with { Sequence = sequence, Rows = null, PreviousHash = null, Hash = null });
        }
        catch (DbException e) when (!dialect.IsRetryable(e))
        {
            throw AuditWriteFailed(entry.Action, e);
        }
    }

    /// <summary>
    /// Seals what this transaction appended, just before the engine commits: the rows it changed are listed on its
    /// first record and in the row index, every record is chained to the one before it, and the head moves to the
    /// last. A transaction that changed a sealed row without an audit record is refused (fail closed).
    /// </summary>
    internal void Complete()
    {
        if (appended.Count == 0)
        {
            if (changed.Count > 0)
            {
                throw new KeyAdminException(KeyAdminError.AuditWriteFailed, "A change was about to be committed without its audit record, so it was not made.", string.Join(",", changed));
            }

            return;
        }

        try
        {
            var rows = changed.Count == 0 ? null : string.Join(",", changed);
            var previous = head?.Hash ?? AuditChain.Genesis;
            for (var i = 0; i < appended.Count; i++)
            {
                var entry = i == 0 ? appended[i] with { Rows = rows } : appended[i];
                var hash = chain.Hash(entry, previous);
                Execute(
                    "UPDATE audit SET prev_hash = @previous, hash = @hash, row_refs = @rows WHERE seq = @seq",
                    ("previous", previous),
                    ("hash", hash),
                    ("rows", entry.Rows),
                    ("seq", entry.Sequence));
                previous = hash;
            }

            foreach (var row in changed)
            {
                Execute("INSERT INTO audit_rows (row_ref, seq) VALUES (@ref, @seq)", ("ref", row), ("seq", version!.Value));
            }

            if (changed.Count > 0 && dialect.ChangeNotification is { } notify)
            {
                // Delivered to every listening verifier when, and only if, this transaction commits.
                Execute(notify, ("seq", version!.Value.ToString(CultureInfo.InvariantCulture)));
            }

            var last = appended[^1].Sequence;
            Execute(
                $"INSERT INTO {dialect.Table(Tables.Meta)} (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                ("name", AuditHeadName),
                ("value", $"{last.ToString(CultureInfo.InvariantCulture)}|{previous}|{chain.HeadSeal(last, previous)}"));
        }
        catch (DbException e) when (!dialect.IsRetryable(e))
        {
            throw AuditWriteFailed(appended[0].Action, e);
        }
    }

    /// <summary>
    /// The rows that transactions committed after <paramref name="sequence"/> changed, from the row index, and the
    /// last sequence among them: what a change watch hands its verifiers. Not a check of anything: a verifier still
    /// checks every row it reads.
    /// </summary>
    public (long Last, IReadOnlyCollection<string> Rows) RowsChangedSince(long sequence)
    {
        // The watch moves on no further than the sealed head, read first: an index entry numbered past it (written
        // outside KeyAdmin) is handed over, but taken for where the index ends it would make the watch skip every
        // later commit. A commit landing between the two reads is handed over now and again next time. Without a
        // sealed head the watch stays where it is.
        var head = ReadAuditHead();
        var bound = head is not null && chain.IsSealed(head) ? head.Sequence : sequence;
        var last = sequence;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        // An entry without a row reference (SQLite, its table rebuilt without NOT NULL) names nothing: passed over, not
        // failed on, which would stop the watch at it for good.
        foreach (var (seq, row) in QueryList("SELECT seq, row_ref FROM audit_rows WHERE seq > @seq ORDER BY seq", r => (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)), ("seq", sequence)))
        {
            last = seq <= bound ? Math.Max(last, seq) : last;
            if (row is not null)
            {
                rows.Add(row);
            }
        }

        return (last, rows);
    }

    /// <summary>
    /// Where a new change watch starts: the sealed head, which no committed transaction's index entry is past (an
    /// entry numbered past it was written outside KeyAdmin); without one, the last sequence in the row index.
    /// </summary>
    public long LastRowChange() => ReadAuditHead() is { } head && chain.IsSealed(head)
        ? head.Sequence
        : QuerySingle("SELECT coalesce(max(seq), 0) FROM audit_rows", r => r.GetInt64(0));

    public AuditHead? ReadAuditHead()
    {
        var value = QuerySingle($"SELECT value FROM {dialect.Table(Tables.Meta)} WHERE name = @name", r => r.GetString(0), ("name", AuditHeadName));
        if (value is null)
        {
            return null;
        }

        var parts = value.Split('|');
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new AuditHead(sequence, parts[1], parts[2])
            : new AuditHead(0, value, string.Empty);
    }

    /// <summary>
    /// The chain's head, when it is the one KeyAdmin sealed and the log ends at it; null for a store with no records.
    /// A head without a valid seal, records past it or missing up to it, or a different record at its place: StoreTampered.
    /// </summary>
    private AuditHead? RequireIntactHead()
    {
        var current = ReadAuditHead();
        // Records past the head are counted, not only inferred from max(seq): a sequence of head + 0.5 (in a table
        // rebuilt without its integer key) reads back as the head's own number.
        var (last, hashAtHead, past) = QuerySingle(
            "SELECT max(seq), (SELECT hash FROM audit WHERE seq = @seq), (SELECT count(*) FROM audit WHERE seq > @seq) FROM audit",
            r => (r.IsDBNull(0) ? (long?)null : r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2)),
            ("seq", current?.Sequence ?? 0L));
        if (current is null)
        {
            return last is null ? null : throw Tampered("audit", AuditHeadName, $"the log holds records up to {last} but no sealed head");
        }

        if (!chain.IsSealed(current))
        {
            throw Tampered("audit", AuditHeadName, "the head's seal does not match it");
        }

        if (last != current.Sequence || past > 0 || !string.Equals(hashAtHead, current.Hash, StringComparison.Ordinal))
        {
            throw Tampered("audit", AuditHeadName, last > current.Sequence || past > 0
                ? $"records were added after the sealed head {current.Sequence} (the log ends at {last})"
                : $"the log does not end at its sealed head {current.Sequence} (it ends at {last?.ToString(CultureInfo.InvariantCulture) ?? "nothing"})");
        }

        return current;
    }

    public IEnumerable<AuditEntry> StreamAudit(AuditQuery query)
    {
        var (sql, parameters) = AuditSql.Select(query);
        return Stream(sql, ReadAudit, parameters);
    }

    /// <summary>
    /// The records (all, oldest first) with the row references the row index holds for each, as the chain check
    /// compares them with the references the record was sealed with, and whether each is stored as KeyAdmin writes
    /// it. Only index entries stored as KeyAdmin writes them count, as only those are ever found by a row's read
    /// check (<see cref="StoreRows.Stamp"/>): one kept as a BLOB would read here as the reference it was, while the
    /// read check passed over it.
    /// </summary>
    public IEnumerable<(AuditEntry Entry, string? IndexedRows, bool StoredAsWritten)> StreamAuditWithIndex() => Stream(
        $"SELECT {AuditColumns}, (SELECT {dialect.StringAggregate("ix.row_ref")} FROM audit_rows ix WHERE ix.seq = audit.seq AND {dialect.IsStoredAs("ix.row_ref", SqlType.Text)}), " +
        $"CASE WHEN {AuditStoredAsWritten()} THEN 1 ELSE 0 END FROM audit ORDER BY seq",
        r => StoredAuditRecord(r));

    /// <summary>
    /// True for a record each of whose values is stored as KeyAdmin writes it (numbers as integers, the rest as text).
    /// SQLite keeps any value in any column: a BLOB reads as the same text or number in .NET, so the record's hash still
    /// fits, yet never matches a filter in SQL (<c>key_id = @key</c>, <c>at &lt;= @until</c>): the record would be hidden
    /// from Get-ApiKeyAuditLog while its chain stayed intact.
    /// </summary>
    private string AuditStoredAsWritten() => string.Join(
        " AND ",
        StoreSchema.ColumnsOf("audit").Select(c => $"({c.Name} IS NULL OR {dialect.IsStoredAs(c.Name, c.Type)})"));

    /// <summary>Index entries that point at no record, at a record that does not list them, or that are not stored as KeyAdmin writes them.</summary>
    public long? FirstStrayIndexEntry() => QuerySingle(
        "SELECT min(ix.seq) FROM audit_rows ix LEFT JOIN audit a ON a.seq = ix.seq " +
        $"WHERE NOT ({dialect.IsStoredAs("ix.row_ref", SqlType.Text)} AND {dialect.IsStoredAs("ix.seq", SqlType.Long)}) OR a.seq IS NULL OR a.row_refs IS NULL " +
        $"OR NOT ({dialect.Contains("',' || a.row_refs || ','", "',' || ix.row_ref || ','")})",
        r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0));

    /// <summary>
    /// A record of <see cref="StreamAuditWithIndex"/> as it is stored: one KeyAdmin cannot read (NULL where it always
    /// writes a value, say) comes as a stand-in under its sequence, not stored as written, for the check to name.
    /// </summary>
    private static (AuditEntry Entry, string? IndexedRows, bool StoredAsWritten) StoredAuditRecord(DbDataReader r)
    {
        try
        {
            return (ReadAudit(r), NullableString(r, AuditColumnCount), r.GetInt32(AuditColumnCount + 1) == 1);
        }
        catch (Exception e) when (e is InvalidCastException or InvalidOperationException or FormatException or OverflowException)
        {
            var sequence = r.IsDBNull(0) ? 0 : r.GetInt64(0);
            return (new AuditEntry { Sequence = sequence, At = default, Actor = string.Empty, ActorHost = string.Empty, Action = "(unreadable)", Outcome = (AuditOutcome)(-1) }, null, false);
        }
    }

    /// <summary>A store value, checked against its seal; null when there is none.</summary>
    public string? ReadMeta(string name) =>
        QuerySingle(
            $"SELECT value, {Stamp(Tables.Meta, "name")} FROM {dialect.Table(Tables.Meta)} WHERE name = @name",
            r =>
            {
                var value = r.GetString(0);
                return Verified(value, Tables.Meta, name, ReadStamp(r, 1), c => c.Add(value));
            },
            ("name", name));

    /// <summary>A store value as it stands, unchecked: only to compare it with what it must be (the key's fingerprint).</summary>
    public string? ReadMetaUnchecked(string name) =>
        QuerySingle($"SELECT value FROM {dialect.Table(Tables.Meta)} WHERE name = @name", r => r.GetString(0), ("name", name));

    /// <summary>Writes a sealed store value.</summary>
    public void WriteMeta(string name, string value)
    {
        var (rowVersion, mac) = Seal(Tables.Meta, name, c => c.Add(value));
        Execute(
            $"INSERT INTO {dialect.Table(Tables.Meta)} (name, value, row_version, row_mac) VALUES (@name, @value, @version, @mac) " +
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value, row_version = excluded.row_version, row_mac = excluded.row_mac",
            ("name", name),
            ("value", value),
            ("version", rowVersion),
            ("mac", mac));
    }

    public RotationRecord? FindRotation(string rotationId) =>
        QuerySingle($"SELECT {RotationSelect} FROM rotations WHERE rotation_id = @id", VerifiedRotation, ("id", rotationId));

    public IReadOnlyList<RotationRecord> ListRotations(bool unfinishedOnly) => QueryList(
        $"SELECT {RotationSelect} FROM rotations" + (unfinishedOnly ? " WHERE state NOT IN ('Completed', 'RolledBack')" : string.Empty) + " ORDER BY started_at DESC, rotation_id",
        VerifiedRotation);

    public void InsertRotation(RotationRecord rotation)
    {
        var (rowVersion, mac) = Seal(Tables.Rotations, rotation.RotationId, c => RowSeal.Fields(c, rotation));
        Execute(
            $"INSERT INTO rotations ({RotationColumns}, row_version, row_mac) VALUES (@id, @account, @old, @new, @vault, @secret, @held, @state, @grace, @remove, @test, @started, @by, @updated, @error, @version, @mac)",
            RotationParameters(rotation, rowVersion, mac));
    }

    public void UpdateRotation(RotationRecord rotation)
    {
        var (rowVersion, mac) = Seal(Tables.Rotations, rotation.RotationId, c => RowSeal.Fields(c, rotation));
        Execute(
            "UPDATE rotations SET new_key_id = @new, state = @state, updated_at = @updated, error = @error, row_version = @version, row_mac = @mac WHERE rotation_id = @id",
            RotationParameters(rotation, rowVersion, mac));
    }

    private RotationRecord VerifiedRotation(DbDataReader r)
    {
        var rotation = Decode(r, Tables.Rotations, ReadRotation);
        return Verified(rotation, Tables.Rotations, rotation.RotationId, ReadStamp(r, RotationStamp), c => RowSeal.Fields(c, rotation));
    }

    private KeyAdminException AuditWriteFailed(string action, DbException e) =>
        new(KeyAdminError.AuditWriteFailed, $"The audit record for {action} could not be written, so the change was not made: {dialect.Message(e)}", action, e);

    private static (string, object?)[] RotationParameters(RotationRecord r, long rowVersion, byte[] mac) => new (string, object?)[]
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
        ("version", rowVersion),
        ("mac", mac),
    };
}
