namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>
/// Forward-only migrations. The schema version is SQLite's user_version; application_id marks the file as a
/// KeyAdmin store so that another application's database is refused rather than altered.
/// </summary>
internal static class SqliteSchema
{
    public const int ApplicationId = 0x4B41444D; // "KADM"

    public static readonly IReadOnlyList<string> Migrations = new[]
    {
        // 1: accounts, authenticators, keys, policy, audit.
        """
        CREATE TABLE meta (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE policy (
            id                   INTEGER PRIMARY KEY CHECK (id = 1),
            max_keys             INTEGER NOT NULL,
            max_failed_codes     INTEGER NOT NULL,
            lockout_seconds      INTEGER NOT NULL,
            confirmation_seconds INTEGER NOT NULL
        );
        CREATE TABLE accounts (
            account_id   TEXT PRIMARY KEY,
            name         TEXT NOT NULL,
            name_key     TEXT NOT NULL UNIQUE,
            email        TEXT NOT NULL,
            created_at   INTEGER NOT NULL,
            created_by   TEXT NOT NULL,
            key_limit    INTEGER,
            failed_codes INTEGER NOT NULL DEFAULT 0,
            locked_until INTEGER
        );
        CREATE TABLE authenticators (
            authenticator_id TEXT PRIMARY KEY,
            account_id       TEXT NOT NULL REFERENCES accounts (account_id),
            name             TEXT NOT NULL,
            name_key         TEXT NOT NULL,
            kind             TEXT NOT NULL,
            status           TEXT NOT NULL,
            seed             BLOB,
            created_at       INTEGER NOT NULL,
            created_by       TEXT NOT NULL,
            confirmed_at     INTEGER,
            revoked_at       INTEGER,
            last_used_step   INTEGER NOT NULL DEFAULT 0,
            last_used_at     INTEGER
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
            unbound_sensitive INTEGER NOT NULL,
            status            TEXT NOT NULL,
            secret            BLOB,
            created_at        INTEGER NOT NULL,
            created_by        TEXT NOT NULL,
            expires_at        INTEGER,
            disabled_at       INTEGER,
            disabled_reason   TEXT,
            deleted_at        INTEGER,
            last_used_at      INTEGER,
            last_used_address TEXT
        );
        CREATE UNIQUE INDEX ux_api_keys_name ON api_keys (account_id, name_key) WHERE status <> 'Deleted';
        CREATE INDEX ix_api_keys_account ON api_keys (account_id, status);
        -- R3 and R10 hold even for a program that writes SQL directly.
        CREATE TRIGGER api_keys_permissions_immutable BEFORE UPDATE OF permissions, account_id, created_at ON api_keys
        WHEN NEW.permissions IS NOT OLD.permissions OR NEW.account_id IS NOT OLD.account_id OR NEW.created_at IS NOT OLD.created_at
        BEGIN SELECT RAISE(ABORT, 'KeyAdmin.PermissionsImmutable'); END;
        CREATE TRIGGER api_keys_deleted_final BEFORE UPDATE ON api_keys WHEN OLD.status = 'Deleted'
        BEGIN SELECT RAISE(ABORT, 'KeyAdmin.KeyDeleted'); END;
        CREATE TABLE audit (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            at           INTEGER NOT NULL,
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
        ALTER TABLE accounts ADD COLUMN require_withdrawal_code INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE verification_refusals (
            key_id  TEXT NOT NULL,
            reason  TEXT NOT NULL,
            count   INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
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
        ALTER TABLE api_keys ADD COLUMN pending_delivery INTEGER NOT NULL DEFAULT 0;
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
            vault_held_old    INTEGER NOT NULL,
            state             TEXT NOT NULL,
            grace_seconds     INTEGER,
            remove_old        INTEGER NOT NULL,
            test_required     INTEGER NOT NULL,
            started_at        INTEGER NOT NULL,
            started_by        TEXT NOT NULL,
            updated_at        INTEGER NOT NULL,
            error             TEXT
        );
        CREATE INDEX ix_rotations_old_key ON rotations (old_key_id);
        """,
    };

    public static int CurrentVersion => Migrations.Count;
}
