namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// Forward-only migrations of the team store, mirroring the SQLite schema table for table. Everything lives in
/// its own schema, so that KeyAdmin can share a database with other applications without touching their
/// tables; the version is a row of <c>keyadmin_meta</c>, whose presence marks the schema as KeyAdmin's.
/// Times are Unix milliseconds, as in SQLite, so that both engines read and write the same values.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The PostgreSQL schema (namespace) that holds the store's tables.</summary>
    public const string Name = "keyadmin";

    public const string MetaTable = "keyadmin_meta";

    public const string VersionKey = "schema_version";

    public static readonly IReadOnlyList<string> Migrations = new[]
    {
        // 1: accounts, authenticators, keys, policy, audit.
        """
        CREATE TABLE keyadmin_meta (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE policy (
            id                   INTEGER PRIMARY KEY CHECK (id = 1),
            max_keys             INTEGER NOT NULL,
            max_failed_codes     INTEGER NOT NULL,
            lockout_seconds      BIGINT NOT NULL,
            confirmation_seconds BIGINT NOT NULL
        );
        CREATE TABLE accounts (
            account_id   TEXT PRIMARY KEY,
            name         TEXT NOT NULL,
            name_key     TEXT NOT NULL UNIQUE,
            email        TEXT NOT NULL,
            created_at   BIGINT NOT NULL,
            created_by   TEXT NOT NULL,
            key_limit    INTEGER,
            failed_codes INTEGER NOT NULL DEFAULT 0,
            locked_until BIGINT
        );
        CREATE TABLE authenticators (
            authenticator_id TEXT PRIMARY KEY,
            account_id       TEXT NOT NULL REFERENCES accounts (account_id),
            name             TEXT NOT NULL,
            name_key         TEXT NOT NULL,
            kind             TEXT NOT NULL,
            status           TEXT NOT NULL,
            seed             BYTEA,
            created_at       BIGINT NOT NULL,
            created_by       TEXT NOT NULL,
            confirmed_at     BIGINT,
            revoked_at       BIGINT,
            last_used_step   BIGINT NOT NULL DEFAULT 0,
            last_used_at     BIGINT
        );
        CREATE UNIQUE INDEX ux_authenticators_name ON authenticators (account_id, name_key) WHERE status <> 'Revoked';
        CREATE TABLE api_keys (
            key_id            TEXT PRIMARY KEY,
            account_id        TEXT NOT NULL REFERENCES accounts (account_id),
            name              TEXT NOT NULL,
            name_key          TEXT NOT NULL,
            memo              TEXT NOT NULL,
            permissions       INTEGER NOT NULL,
            ip_binding        TEXT NOT NULL,
            unbound_sensitive BOOLEAN NOT NULL,
            status            TEXT NOT NULL,
            secret            BYTEA,
            created_at        BIGINT NOT NULL,
            created_by        TEXT NOT NULL,
            expires_at        BIGINT,
            disabled_at       BIGINT,
            disabled_reason   TEXT,
            deleted_at        BIGINT,
            last_used_at      BIGINT,
            last_used_address TEXT
        );
        CREATE UNIQUE INDEX ux_api_keys_name ON api_keys (account_id, name_key) WHERE status <> 'Deleted';
        CREATE INDEX ix_api_keys_account ON api_keys (account_id, status);
        -- R3 and R10 hold even for a program that writes SQL directly.
        CREATE FUNCTION keyadmin_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'check_violation';
        END;
        $$;
        CREATE TRIGGER api_keys_permissions_immutable BEFORE UPDATE OF permissions, account_id, created_at ON api_keys
        FOR EACH ROW
        WHEN (NEW.permissions IS DISTINCT FROM OLD.permissions OR NEW.account_id IS DISTINCT FROM OLD.account_id OR NEW.created_at IS DISTINCT FROM OLD.created_at)
        EXECUTE FUNCTION keyadmin_refuse('KeyAdmin.PermissionsImmutable');
        CREATE TRIGGER api_keys_deleted_final BEFORE UPDATE ON api_keys
        FOR EACH ROW WHEN (OLD.status = 'Deleted')
        EXECUTE FUNCTION keyadmin_refuse('KeyAdmin.KeyDeleted');
        -- The sequence is assigned by the store under the write lock (one past the sealed head), not by a
        -- PostgreSQL sequence: a rolled-back transaction must not leave a gap that looks like a deleted record.
        CREATE TABLE audit (
            seq          BIGINT PRIMARY KEY,
            at           BIGINT NOT NULL,
            actor        TEXT NOT NULL,
            actor_host   TEXT NOT NULL,
            action       TEXT NOT NULL,
            account      TEXT,
            key_id       TEXT,
            target       TEXT,
            outcome      TEXT NOT NULL,
            reason       TEXT,
            confirmed_by TEXT,
            detail       TEXT
        );
        """,

        // 2: withdrawal confirmation per account; refused verifications counted per key and reason.
        """
        ALTER TABLE accounts ADD COLUMN require_withdrawal_code BOOLEAN NOT NULL DEFAULT FALSE;
        CREATE TABLE verification_refusals (
            key_id  TEXT NOT NULL,
            reason  TEXT NOT NULL,
            count   BIGINT NOT NULL,
            last_at BIGINT NOT NULL,
            PRIMARY KEY (key_id, reason)
        );
        """,

        // 3: the audit chain (hashes are filled in by the store, which holds the chain key).
        """
        ALTER TABLE audit ADD COLUMN prev_hash TEXT;
        ALTER TABLE audit ADD COLUMN hash TEXT;
        """,

        // 4: vault delivery and lineage on keys; the rotation journal.
        """
        ALTER TABLE api_keys ADD COLUMN pending_delivery BOOLEAN NOT NULL DEFAULT FALSE;
        ALTER TABLE api_keys ADD COLUMN vault_name TEXT;
        ALTER TABLE api_keys ADD COLUMN vault_secret_name TEXT;
        ALTER TABLE api_keys ADD COLUMN rotated_from TEXT;
        ALTER TABLE api_keys ADD COLUMN rotated_to TEXT;
        CREATE TABLE rotations (
            rotation_id       TEXT PRIMARY KEY,
            account           TEXT NOT NULL,
            old_key_id        TEXT NOT NULL,
            new_key_id        TEXT,
            vault_name        TEXT NOT NULL,
            secret_name       TEXT NOT NULL,
            vault_held_old    BOOLEAN NOT NULL,
            state             TEXT NOT NULL,
            grace_seconds     BIGINT,
            remove_old        BOOLEAN NOT NULL,
            test_required     BOOLEAN NOT NULL,
            started_at        BIGINT NOT NULL,
            started_by        TEXT NOT NULL,
            updated_at        BIGINT NOT NULL,
            error             TEXT
        );
        CREATE INDEX ix_rotations_old_key ON rotations (old_key_id);
        """,
    };

    public static int CurrentVersion => Migrations.Count;
}
