using KeyAdmin.Core.Policy;
using KeyAdmin.Core.Storage.Sql;
using static KeyAdmin.Core.Storage.Sql.Column;
using static KeyAdmin.Core.Storage.Sql.SqlType;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// The store's tables, described once for every engine: each engine renders these migrations in its own DDL
/// (<see cref="SqlDialect"/>) and records the version it reached its own way. Migrations only ever go forward;
/// a released one is never edited, a change is a new one at the end.
/// </summary>
internal static class StoreSchema
{
    /// <summary>The columns of a deleted key that stay as they are (schema 5; its seal may be renewed).</summary>
    private static readonly string[] DeletedFinalColumns =
    {
        "key_id", "account_id", "name", "name_key", "memo", "permissions", "ip_binding", "unbound_sensitive", "status", "secret", "created_at", "created_by",
        "expires_at", "disabled_at", "disabled_reason", "deleted_at", "last_used_at", "last_used_address", "pending_delivery", "vault_name", "vault_secret_name",
        "rotated_from", "rotated_to",
    };

    public static readonly IReadOnlyList<Migration> Migrations = new Migration[]
    {
        new("1: accounts, authenticators, keys, policy, audit", new SchemaStep[]
        {
            new CreateTable("meta", new[] { Key("name"), Required("value", Text) }),
            new CreateTable("policy", new[]
            {
                Key("id", Int, "CHECK (id = 1)"),
                Required("max_keys", Int),
                Required("max_failed_codes", Int),
                Required("lockout_seconds", Long),
                Required("confirmation_seconds", Long),
            }),
            new CreateTable("accounts", new[]
            {
                Key("account_id"),
                Required("name", Text),
                Required("name_key", Text, constraint: "UNIQUE"),
                Required("email", Text),
                Required("created_at", Time),
                Required("created_by", Text),
                Optional("key_limit", Int),
                Required("failed_codes", Int, 0),
                Optional("locked_until", Time),
            }),
            new CreateTable("authenticators", new[]
            {
                Key("authenticator_id"),
                Required("account_id", Text, constraint: "REFERENCES accounts (account_id)"),
                Required("name", Text),
                Required("name_key", Text),
                Required("kind", Text),
                Required("status", Text),
                Optional("seed", Blob),
                Required("created_at", Time),
                Required("created_by", Text),
                Optional("confirmed_at", Time),
                Optional("revoked_at", Time),
                Required("last_used_step", Long, 0),
                Optional("last_used_at", Time),
            }),
            new CreateIndex("ux_authenticators_name", "authenticators", new[] { "account_id", "name_key" }, Unique: true, Where: "status <> 'Revoked'"),
            new CreateTable("api_keys", new[]
            {
                Key("key_id"),
                Required("account_id", Text, constraint: "REFERENCES accounts (account_id)"),
                Required("name", Text),
                Required("name_key", Text),
                Required("memo", Text),
                Required("permissions", Int),
                Required("ip_binding", Text),
                Required("unbound_sensitive", Bool),
                Required("status", Text),
                Optional("secret", Blob),
                Required("created_at", Time),
                Required("created_by", Text),
                Optional("expires_at", Time),
                Optional("disabled_at", Time),
                Optional("disabled_reason", Text),
                Optional("deleted_at", Time),
                Optional("last_used_at", Time),
                Optional("last_used_address", Text),
            }),
            new CreateIndex("ux_api_keys_name", "api_keys", new[] { "account_id", "name_key" }, Unique: true, Where: "status <> 'Deleted'"),
            new CreateIndex("ix_api_keys_account", "api_keys", new[] { "account_id", "status" }),
            // R3 and R10 hold even for a program that writes SQL directly.
            new RefuseUpdate("api_keys_permissions_immutable", "api_keys", "KeyAdmin.PermissionsImmutable", ChangedColumns: new[] { "permissions", "account_id", "created_at" }),
            new RefuseUpdate("api_keys_deleted_final", "api_keys", "KeyAdmin.KeyDeleted", OldRowCondition: "OLD.status = 'Deleted'"),
            // The sequence is assigned by the store under its write lock (one past the sealed head): a rolled-back
            // transaction must not leave a gap that looks like a deleted record.
            new CreateTable("audit", new[]
            {
                Key("seq", Sequence),
                Required("at", Time),
                Required("actor", Text),
                Required("actor_host", Text),
                Required("action", Text),
                Optional("account", Text),
                Optional("key_id", Text),
                Optional("target", Text),
                Required("outcome", Text),
                Optional("reason", Text),
                Optional("confirmed_by", Text),
                Optional("detail", Text),
            }),
        }),

        new("2: withdrawal confirmation per account; refused verifications counted per key and reason", new SchemaStep[]
        {
            new AddColumn("accounts", Required("require_withdrawal_code", Bool, false)),
            new CreateTable(
                "verification_refusals",
                new[] { Required("key_id", Text), Required("reason", Text), Required("count", Long), Required("last_at", Time) },
                PrimaryKey: new[] { "key_id", "reason" }),
        }),

        new("3: the audit chain (hashes are filled in by the store, which holds the chain key)", new SchemaStep[]
        {
            new AddColumn("audit", Optional("prev_hash", Text)),
            new AddColumn("audit", Optional("hash", Text)),
        }),

        new("4: vault delivery and lineage on keys; the rotation journal", new SchemaStep[]
        {
            new AddColumn("api_keys", Required("pending_delivery", Bool, false)),
            new AddColumn("api_keys", Optional("vault_name", Text)),
            new AddColumn("api_keys", Optional("vault_secret_name", Text)),
            new AddColumn("api_keys", Optional("rotated_from", Text)),
            new AddColumn("api_keys", Optional("rotated_to", Text)),
            new CreateTable("rotations", new[]
            {
                Key("rotation_id"),
                Required("account", Text),
                Required("old_key_id", Text),
                Optional("new_key_id", Text),
                Required("vault_name", Text),
                Required("secret_name", Text),
                Required("vault_held_old", Bool),
                Required("state", Text),
                Optional("grace_seconds", Long),
                Required("remove_old", Bool),
                Required("test_required", Bool),
                Required("started_at", Time),
                Required("started_by", Text),
                Required("updated_at", Time),
                Optional("error", Text),
            }),
            new CreateIndex("ix_rotations_old_key", "rotations", new[] { "old_key_id" }),
        }),

        new(
            "5: a seal on every row that decides security, and the audit chain's index of the rows each transaction changed",
            new SchemaStep[]
            {
                new AddColumn("accounts", Optional("row_version", Long)),
                new AddColumn("accounts", Optional("row_mac", Blob)),
                new AddColumn("authenticators", Optional("row_version", Long)),
                new AddColumn("authenticators", Optional("row_mac", Blob)),
                new AddColumn("api_keys", Optional("row_version", Long)),
                new AddColumn("api_keys", Optional("row_mac", Blob)),
                new AddColumn("policy", Optional("row_version", Long)),
                new AddColumn("policy", Optional("row_mac", Blob)),
                new AddColumn("rotations", Optional("row_version", Long)),
                new AddColumn("rotations", Optional("row_mac", Blob)),
                new AddColumn("meta", Optional("row_version", Long)),
                new AddColumn("meta", Optional("row_mac", Blob)),
                new AddColumn("audit", Optional("row_refs", Text)),
                // "table:id" of each row a transaction changed, with the sequence of that transaction's first record:
                // the latest version of a row is the greatest sequence here, an index seek.
                new CreateTable("audit_rows", new[] { Required("row_ref", Text), Required("seq", Long) }, PrimaryKey: new[] { "row_ref", "seq" }),
                new CreateIndex("ix_audit_rows_seq", "audit_rows", new[] { "seq" }),
                // A deleted key's row stays final, but its seal may be renewed (the upgrade seals tombstones too).
                new DropTrigger("api_keys_deleted_final", "api_keys"),
                new RefuseUpdate("api_keys_deleted_final", "api_keys", "KeyAdmin.KeyDeleted", OldRowCondition: "OLD.status = 'Deleted'", OfColumns: DeletedFinalColumns),
            },
            SealsRows: true),

        new("6: KuCoin's passphrase and key versions on keys; the replay memory every verifier shares; the binding minimum", new SchemaStep[]
        {
            // Sealed like the secret (its own associated data); NULL for a key without one, and once deleted.
            new AddColumn("api_keys", Optional("passphrase", Blob)),
            new AddColumn("api_keys", Required("key_versions", Int, 0)),
            new RefuseUpdate("api_keys_key_versions_immutable", "api_keys", "KeyAdmin.PermissionsImmutable", ChangedColumns: new[] { "key_versions" }),
            // A deleted key's passphrase stays destroyed, as its secret does.
            new DropTrigger("api_keys_deleted_final", "api_keys"),
            new RefuseUpdate("api_keys_deleted_final", "api_keys", "KeyAdmin.KeyDeleted", OldRowCondition: "OLD.status = 'Deleted'", OfColumns: DeletedFinalColumns.Append("passphrase").Append("key_versions").ToArray()),
            // One row per accepted replay-protected request until its timestamp leaves the window; never evicted early.
            new CreateTable("replay_guard", new[] { Key("signature", Blob), Required("key_id", Text), Required("expires_at", Time) }),
            new CreateIndex("ix_replay_guard_key", "replay_guard", new[] { "key_id", "expires_at" }),
            new CreateIndex("ix_replay_guard_expiry", "replay_guard", new[] { "expires_at" }),
            new AddColumn("policy", Required("min_binding_prefix_v4", Int, KeyAdminPolicy.DefaultMinBindingPrefixV4)),
            new AddColumn("policy", Required("min_binding_prefix_v6", Int, KeyAdminPolicy.DefaultMinBindingPrefixV6)),
        }),

        new("7: recovery codes and the cooling-off of a reset, scoped automation, withdrawal codes counted per key, account ids in the audit log", new SchemaStep[]
        {
            // Only hashes: HMAC-SHA256 under a key derived from the key-encryption key, bound to the account (RecoveryCodes).
            // A code is deleted when it is used.
            new CreateTable("recovery_codes", new[]
            {
                Key("code_id"),
                Required("account_id", Text, constraint: "REFERENCES accounts (account_id)"),
                Required("hash", Text),
                Required("created_at", Time),
                Optional("row_version", Long),
                Optional("row_mac", Blob),
            }),
            new CreateIndex("ix_recovery_codes_account", "recovery_codes", new[] { "account_id" }),
            new AddColumn("accounts", Optional("recovery_started_at", Time)),
            new AddColumn("accounts", Optional("recovery_until", Time)),
            // 7 is AutomationScope.Default (create, rotate, disable keys): what automation authenticators registered
            // before scopes existed keep. A person's authenticator is not limited by its scope.
            new AddColumn("authenticators", Required("scope", Int, 7)),
            new AddColumn("authenticators", Optional("suspended_at", Time)),
            // A replaced authenticator keeps its name until the reset's cooling-off ends, beside the new one.
            new DropIndex("ux_authenticators_name"),
            new CreateIndex("ux_authenticators_name", "authenticators", new[] { "account_id", "name_key" }, Unique: true, Where: "status NOT IN ('Revoked', 'Replaced')"),
            // Rows sealed before keep their seals: RowSeal leaves these columns out while they hold these defaults.
            new AddColumn("api_keys", Required("withdrawal_failures", Int, 0)),
            new AddColumn("api_keys", Optional("withdrawal_locked_until", Time)),
            new DropTrigger("api_keys_deleted_final", "api_keys"),
            new RefuseUpdate("api_keys_deleted_final", "api_keys", "KeyAdmin.KeyDeleted", OldRowCondition: "OLD.status = 'Deleted'", OfColumns: DeletedFinalColumns
                .Append("passphrase").Append("key_versions").Append("withdrawal_failures").Append("withdrawal_locked_until").ToArray()),
            new AddColumn("policy", Required("recovery_seconds", Long, 86400)),
            new AddColumn("audit", Optional("account_id", Text)),
        }),

        new("8: a second seal over what a verifier decides on, so that an uncached verification reads a third of the row", new SchemaStep[]
        {
            // RowSeal.KeyDecisions / AccountDecisions; NULL on rows written before (they are read whole).
            new AddColumn("api_keys", Optional("decision_mac", Blob)),
            new AddColumn("accounts", Optional("decision_mac", Blob)),
        }),
    };

    public static int CurrentVersion => Migrations.Count;

    /// <summary>The columns <paramref name="table"/> has in the current schema, as the migrations created and added them.</summary>
    public static IReadOnlyList<Column> ColumnsOf(string table) => Migrations.SelectMany(m => m.Steps).SelectMany(step => step switch
    {
        CreateTable created when created.Name == table => created.Columns,
        AddColumn added when added.Table == table => new[] { added.Column },
        _ => Array.Empty<Column>(),
    }).ToArray();

    /// <summary>The schema version from which the audit log is chained: a store that claims an older one cannot prove its log.</summary>
    public const int ChainedSince = 3;

    /// <summary>The schema version from which every sealed table's rows carry a seal (<see cref="RowSeal"/>).</summary>
    public static int SealedSince => Migrations.Select((m, i) => (m, i)).First(x => x.m.SealsRows).i + 1;

    /// <summary>The migrations as <paramref name="dialect"/>'s DDL, one script per version (index 0 is version 1).</summary>
    public static IReadOnlyList<string> Render(SqlDialect dialect) =>
        Migrations.Select((migration, index) => migration.Render(dialect, first: index == 0)).ToArray();
}
