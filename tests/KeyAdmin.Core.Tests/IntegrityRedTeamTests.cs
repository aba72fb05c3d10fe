using System.Text;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// The second round of attacks on the integrity of issue 12, by whoever writes the database without the
/// key-encryption key (and, on PostgreSQL, its superuser): rows read through other queries than the checked ones,
/// values that SQL and KeyAdmin read differently, index columns, the row index, the upgrade, duplicates where a
/// constraint was dropped. Each test is named for its attack; docs/SECURITY.md names the line it proves.
/// </summary>
public sealed class IntegrityRedTeamTests : IDisposable
{
    private const string Meta = StoreAttacker.Meta;
    private readonly StoreAttacker attacker = new();

    private Harness h => attacker.Harness;

    private TestAccount desk => attacker.Account;

    private RequestVerifier verifier => attacker.Verifier;

    public void Dispose() => attacker.Dispose();

    [Fact]
    public void AuditOutcome_RespelledSoThatTheOutcomeFilterMissesIt_BreaksTheChain()
    {
        // "Refused " and "1" read as Refused, so the record's hash still fits, but Get-ApiKeyAuditLog -Outcome Refused
        // (outcome = 'Refused') no longer finds it.
        Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, TwoFactorProof.FromCode(h.WrongCode(desk.Seed))));
        var refused = h.Audit().Single(r => r.Outcome == AuditOutcome.Refused);
        attacker.Attack($"UPDATE audit SET outcome = 'Refused ' WHERE seq = {refused.Sequence}");

        Assert.Empty(h.Authority.Audit.Read(new AuditQuery { Outcome = AuditOutcome.Refused }));
        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(refused.Sequence, report.FirstBrokenSequence);
    }

#if !POSTGRES
    [Theory]
    [InlineData("key_id")]
    [InlineData("outcome")]
    [InlineData("at")]
    public void AuditColumn_StoredAsABlobSoThatFiltersMissIt_BreaksTheChain(string column)
    {
        // SQLite keeps a BLOB in any column: KeyAdmin reads it as the same text or number (and hashes that), but
        // key_id = @key, outcome = @outcome and at <= @until compare it as a BLOB and never match.
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var created = h.Audit().Single(r => r.Action == "ApiKey.Create");
        attacker.Attack($"UPDATE audit SET {column} = CAST({column} AS BLOB) WHERE seq = {created.Sequence}");

        Assert.DoesNotContain(h.Authority.Audit.Read(new AuditQuery { KeyId = key.KeyId, Outcome = AuditOutcome.Succeeded, Until = h.Now }), r => r.Sequence == created.Sequence);
        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(created.Sequence, report.FirstBrokenSequence);
    }

    [Fact]
    public void AuditForgery_RecordNumberedBetweenTheHeadAndTheNext_IsReportedAndRefusesWrites()
    {
        // A sequence of head + 0.5 reads back (max(seq), GetInt64) as the head's own number. The sequence is SQLite's
        // rowid, which holds integers only, until the table is rebuilt without it; then the head check must still see
        // the record after the head, or every later record is chained after the forgery.
        var administrator = h.StoreAdministratorSeed;
        var last = h.Audit().Last().Sequence;
        var forge = $"INSERT INTO audit (seq, at, actor, actor_host, action, outcome) VALUES ({last}.5, 0, 'mallory', 'host', 'Policy.Set', 'Succeeded')";
        Assert.ThrowsAny<System.Data.Common.DbException>(() => attacker.Attack(forge));
        attacker.Attack("CREATE TABLE audit_copy AS SELECT * FROM audit; DROP TABLE audit; ALTER TABLE audit_copy RENAME TO audit; " + forge);

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Policy.Set(p => p with { MaxKeysPerAccount = 3 }, h.Proof(administrator)));
        Assert.False(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void KeyRolledBack_TheLaterRowIndexEntryStoredAsABlob_IsReportedByTheAuditCheck()
    {
        // The index entry of the later version, turned into a BLOB, is invisible to the read check (row_ref = text)
        // yet reads as the same text where the chain check compares the index with the record.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var disabled = attacker.DisableAndPutBackTheEnabledRow(key);
        attacker.Attack($"UPDATE audit_rows SET row_ref = CAST(row_ref AS BLOB) WHERE row_ref = 'api_keys:{key.KeyId}' AND seq = {disabled}");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(disabled, report.FirstBrokenSequence);
    }
#endif

    // ---- Rows read through other queries than the checked ones ----

    [Fact]
    public void KeySecret_SwappedForAnotherKeysSealedSecret_OpensForNeither()
    {
        // The sealed secret is not part of the row's seal: AES-GCM binds it to its key id instead.
        var (a, secretA) = attacker.NewKey("bot-a", ApiKeyPermission.Read);
        var (b, secretB) = attacker.NewKey("bot-b", ApiKeyPermission.Read);
        attacker.Attack($"UPDATE api_keys SET secret = (SELECT secret FROM api_keys WHERE key_id = '{b.KeyId}') WHERE key_id = '{a.KeyId}'");

        Assert.NotEqual(VerificationReason.Accepted, verifier.Verify(attacker.Sign(a, secretB, ApiKeyPermission.Read)).Reason);
        Assert.NotEqual(VerificationReason.Accepted, verifier.Verify(attacker.Sign(a, secretA, ApiKeyPermission.Read)).Reason);
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(attacker.Sign(b, secretB, ApiKeyPermission.Read)).Reason);
    }

    [Fact]
    public void KeyDeleted_ItsRowFromBeforeTheDeletePutBackWithItsSecret_IsRefused()
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        h.Authority.Keys.Disable(key.KeyId, "retired");
        var disabled = RawDb.Row(h.StorePath, "api_keys", $"key_id = '{key.KeyId}'");
        h.Authority.Keys.Remove(key.KeyId, h.Proof(desk.Seed));
        h.NextStep();
        attacker.DropKeyTriggers();
        RawDb.PutBack(h.StorePath, "api_keys", disabled, $"key_id = '{key.KeyId}'");

        Assert.NotNull(RawDb.Row(h.StorePath, "api_keys", $"key_id = '{key.KeyId}'")["secret"]);
        Assert.NotEqual(VerificationReason.Accepted, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read)).Reason);
        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Enable(key.KeyId, h.Proof(desk.Seed)));
        Assert.Contains("set back", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccountWithdrawalConfirmation_SwitchedOffInItsRow_DoesNotLetAWithdrawalThroughWithoutACode()
    {
        h.Authority.Accounts.Update("desk", new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        var (key, secret) = attacker.NewKey("payouts", ApiKeyPermission.Withdraw, "203.0.113.0/24");
        Assert.Equal(VerificationReason.TwoFactorRequired, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw)).Reason);
        attacker.Attack($"UPDATE accounts SET require_withdrawal_code = {Flag(false)}");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw)).Reason);
    }

    [Fact]
    public void VerifierCache_ARowTamperedAfterItWasCached_IsRefusedAtTheNextRevalidation()
    {
        // The seal is checked when a row enters the cache, not per request: a change made behind the verifier's back
        // is seen at the next revalidation (RevalidateAfter, one second by default), as a disable in another process is.
        using var cached = new RequestVerifier(h.Store, h.Clock, new VerifierOptions { FlushInterval = TimeSpan.FromHours(1) });
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        Assert.Equal(VerificationReason.Accepted, cached.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read)).Reason);
        attacker.Attack($"UPDATE api_keys SET permissions = 15 WHERE key_id = '{key.KeyId}'");

        h.Clock.Advance(new VerifierOptions().RevalidateAfter);

        Assert.Equal(VerificationReason.StoreTampered, cached.Verify(attacker.Sign(key, secret, ApiKeyPermission.Withdraw)).Reason);
    }

    [Fact]
    public void AuditLogCut_BackToAnEarlierSealedHeadWithItsIndex_RowsWrittenSinceAreRefusedAndThePinCatchesIt()
    {
        // The head check at every write accepts an earlier head that KeyAdmin sealed, with the log cut to it: the cut
        // is a rollback of the log alone. The rows written since then carry versions the index no longer records.
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var headThen = RawDb.Text(h.StorePath, $"SELECT value FROM {Meta} WHERE name = 'audit_head'")!;
        var sequenceThen = long.Parse(headThen.Split('|')[0], System.Globalization.CultureInfo.InvariantCulture);
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        var pinned = h.Authority.Audit.Verify().Head!;
        attacker.Attack($"DELETE FROM audit WHERE seq > {sequenceThen}; DELETE FROM audit_rows WHERE seq > {sequenceThen}; UPDATE {Meta} SET value = '{headThen}' WHERE name = 'audit_head'");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason);
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.KeyId == key.KeyId);
        Assert.False(h.Authority.Audit.Verify(PinnedAuditHead.Parse(pinned)).IsIntact);
    }

    [Fact]
    public void KeyPassphrase_SwappedForAnotherKeysSealedPassphraseOrRemoved_IsRefusedAsTamperedNotThrown()
    {
        // The sealed passphrase is outside the row's seal, bound to its key id by AES-GCM: one that does not open, or
        // is gone while the seal says it is there, is a tampered row, and the verifier answers, it does not throw.
        var a = h.CreateKey(desk, "kucoin-a", r => r with { Permissions = ApiKeyPermission.Trade, Passphrase = Requests.Secure("Kc-Passphrase-1"), AllowUnboundSensitive = true });
        var b = h.CreateKey(desk, "kucoin-b", r => r with { Permissions = ApiKeyPermission.Trade, Passphrase = Requests.Secure("Kc-Passphrase-2"), AllowUnboundSensitive = true });
        attacker.Attack($"UPDATE api_keys SET passphrase = (SELECT passphrase FROM api_keys WHERE key_id = '{b.Key.KeyId}') WHERE key_id = '{a.Key.KeyId}'; " +
                        $"UPDATE api_keys SET passphrase = NULL WHERE key_id = '{b.Key.KeyId}'");

        foreach (var key in new[] { a, b })
        {
            var secret = Encoding.ASCII.GetBytes(Harness.Reveal(key.Secret));
            Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key.Key, secret, ApiKeyPermission.Trade)).Reason);
        }

        verifier.Flush();
        Assert.Contains(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target == "api_keys:" + a.Key.KeyId);
    }

    [Fact]
    public void AuthenticatorSeed_SwappedForAnotherAuthenticatorsSeed_IsRefusedAsTampered()
    {
        h.RegisterAutomation(desk, "job");
        attacker.Attack($"UPDATE authenticators SET seed = (SELECT seed FROM authenticators WHERE name = 'job') WHERE name = 'primary'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(desk.Seed)));
        Assert.Contains(h.Audit(), r => r.Action == "Store.TamperDetected" && r.Target!.StartsWith("authenticators:", StringComparison.Ordinal));
    }

    [Fact]
    public void StoreId_SwappedWithTheKeyFingerprintRowDeleted_IsNotSealedAgainAsANewStore()
    {
        // A store without a recorded key fingerprint is taken for a new one and initialised, sealing the store id it
        // finds: the swapped id would be blessed, unless a store whose log has records is never taken for new.
        attacker.Attack($"UPDATE {Meta} SET value = 'someone-elses-store' WHERE name = 'store_id'; DELETE FROM {Meta} WHERE name = 'kek_fingerprint'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.OpenStore());

        Assert.Null(RawDb.Text(h.StorePath, $"SELECT value FROM {Meta} WHERE name = 'kek_fingerprint'"));
    }

    [Fact]
    public void RotationState_RespelledSoThatTheUnfinishedFilterTakesIt_IsRefusedAsTampered()
    {
        // "Completed " reads as Completed (so the seal fits) but escapes state NOT IN ('Completed', 'RolledBack'):
        // a finished rotation would block the next one of its key and be reported as unfinished.
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var rotation = new Rotation.RotationRecord
        {
            RotationId = "rot_1", AccountName = "desk", OldKeyId = key.KeyId, Vault = "Prod", SecretName = "bot", VaultHeldOldKey = true,
            State = Rotation.RotationState.Completed, StartedAt = h.Now, StartedBy = "tester", UpdatedAt = h.Now,
        };
        h.Store.Write(tx =>
        {
            tx.InsertRotation(rotation);
            tx.Append(new AuditEntry { At = h.Now, Actor = "tester", ActorHost = "host", Action = "ApiKey.Rotate", Target = "rot_1", Outcome = AuditOutcome.Succeeded });
            return true;
        });
        Assert.Empty(h.Authority.Rotations.List(unfinishedOnly: true));
        attacker.Attack("UPDATE rotations SET state = 'Completed ' WHERE rotation_id = 'rot_1'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Rotations.List(unfinishedOnly: true));
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.Message.Contains("rotations", StringComparison.Ordinal));
    }

    [Fact]
    public void AuditRecord_AValueItAlwaysHasSetToNull_IsNamedByTheChainCheckRatherThanCrashingIt()
    {
        var last = h.Audit().Last().Sequence;
#if POSTGRES
        attacker.Attack("ALTER TABLE audit ALTER COLUMN actor DROP NOT NULL");
#else
        attacker.Attack("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'actor TEXT NOT NULL', 'actor TEXT') WHERE name = 'audit'; PRAGMA writable_schema = OFF");
#endif
        attacker.Attack($"UPDATE audit SET actor = NULL WHERE seq = {last}");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
#if POSTGRES
        Assert.Equal(last, report.FirstBrokenSequence);
#else
        // On SQLite the definition edited under writable_schema is reported first: the catalogue is not KeyAdmin's.
        Assert.Contains("audit: its definition is not the one KeyAdmin wrote", report.Problem, StringComparison.Ordinal);
#endif
    }

    // ---- Values KeyAdmin never writes: a tampered row, not a crash ----

    [Theory]
    [InlineData("status = 'Bogus'")]
    [InlineData("ip_binding = 'not-an-address'")]
    [InlineData("created_by = NULL")]
    [InlineData("row_mac = NULL, row_version = NULL")]
    public void KeyRow_AValueKeyAdminNeverWrites_IsRefusedAsTamperedEverywhere(string assignment)
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
#if POSTGRES
        attacker.Attack("ALTER TABLE api_keys ALTER COLUMN created_by DROP NOT NULL");
#else
        if (assignment.Contains("NULL", StringComparison.Ordinal))
        {
            // NOT NULL lives in the schema text, which whoever writes the file may rewrite.
            attacker.Attack("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'created_by TEXT NOT NULL', 'created_by TEXT') WHERE name = 'api_keys'; PRAGMA writable_schema = OFF");
        }
#endif
        attacker.Attack($"UPDATE api_keys SET {assignment} WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.StoreTampered, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read)).Reason);
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get(key.KeyId));
        Assert.Single(h.Authority.Keys.ListChecked("desk"), r => r.Tampered?.Error == KeyAdminError.StoreTampered);
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.KeyId == key.KeyId);
    }

    [Fact]
    public void AuthenticatorKind_AValueKeyAdminNeverWrites_IsRefusedAsTamperedAndReported()
    {
        attacker.Attack("UPDATE authenticators SET kind = 'Bogus'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(desk.Seed)));
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.Message.Contains("authenticators", StringComparison.Ordinal));
    }

    // ---- Queries that decide from unsealed index columns ----

    [Fact]
    public void KeyLimit_LiveKeysMarkedDeletedInTheStatusColumnWhileAnotherIsCreated_IsNotExceeded()
    {
        // Five live keys hidden from the count by the status column, a sixth created, the column put back: six
        // valid keys where the limit is five.
        for (var i = 1; i <= 5; i++)
        {
            attacker.NewKey($"bot-{i}", ApiKeyPermission.Read);
        }

        attacker.Attack("UPDATE api_keys SET status = 'Deleted'");

        Assert.ThrowsAny<KeyAdminException>(() => h.CreateKey(desk, "one-too-many"));

        attacker.Attack("UPDATE api_keys SET status = 'Enabled'");
        Assert.Equal(5, h.Authority.Keys.ListChecked("desk").Count(r => r.Value is not null));
    }

    [Fact]
    public void KeyLimit_LiveKeysMovedToAnotherAccountWhileOneIsCreated_IsExceededAndReportedByCompliance()
    {
        // The limit of a count by account (docs/SECURITY.md): keys moved to another account are not seen by it. They
        // are refused while they are moved; put back, the account holds more than its limit, and compliance says so.
        for (var i = 1; i <= 5; i++)
        {
            attacker.NewKey($"bot-{i}", ApiKeyPermission.Read);
        }

        h.NewAccount("ops");
        var deskId = h.AccountRecord("desk").AccountId;
        var opsId = h.AccountRecord("ops").AccountId;
        attacker.Attack($"UPDATE api_keys SET account_id = '{opsId}' WHERE account_id = '{deskId}'");
        attacker.NewKey("one-too-many", ApiKeyPermission.Read);
        attacker.Attack($"UPDATE api_keys SET account_id = '{deskId}' WHERE account_id = '{opsId}'");

        Assert.Equal(6, h.Authority.Keys.ListChecked("desk").Count(r => r.Value is not null));
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.AccountAtLimit && f.Account == "desk");
    }

    [Fact]
    public void KeyName_TwoLiveKeysUnderOneNameWhileItsIndexWasHidden_IsRefusedWhenLookedUpByName()
    {
        // bot-a hidden from the name index while an administrator creates another bot-a, then shown again: a lookup
        // by name must not pick one of the two.
        var first = attacker.NewKey("bot-a", ApiKeyPermission.Read).Key;
        attacker.Attack($"DROP INDEX ux_api_keys_name; UPDATE api_keys SET name_key = 'hidden' WHERE key_id = '{first.KeyId}'");
        var second = attacker.NewKey("bot-a", ApiKeyPermission.Read).Key;
        attacker.Attack($"UPDATE api_keys SET name_key = 'bot-a' WHERE key_id = '{first.KeyId}'");

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get("desk", "bot-a"));
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Update(first.KeyId, new KeyChanges { NewName = "bot-a" }, h.Proof(desk.Seed)));
        Assert.NotEqual(first.KeyId, second.KeyId);
        Assert.Contains("bot-a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccountName_TwoAccountsUnderOneNameWhileItsIndexWasHidden_IsRefusedWhenLookedUpByName()
    {
        // desk hidden from the name index while an administrator creates another desk (with a phone of its own), then
        // shown again: commands for "desk" must not act on whichever of the two the engine returns first.
#if POSTGRES
        attacker.Attack("ALTER TABLE accounts DROP CONSTRAINT accounts_name_key_key; UPDATE accounts SET name_key = 'hidden'");
#else
        attacker.Attack("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'name_key TEXT NOT NULL UNIQUE', 'name_key TEXT NOT NULL') WHERE name = 'accounts'; " +
                        "DELETE FROM sqlite_schema WHERE name = 'sqlite_autoindex_accounts_2'; PRAGMA writable_schema = OFF; UPDATE accounts SET name_key = 'hidden'");
#endif
        h.Authority.Accounts.Create("desk", "other@example.com");
        attacker.Attack("UPDATE accounts SET name_key = 'desk'");

        // Opened afresh, as the next process to use the file would: a connection that read the schema before the edit
        // of sqlite_schema (which does not announce itself) may still use the index the attacker took out of it.
#if POSTGRES
        using var reopened = h.OpenStore();
        var authority = new KeyAdmin.Core.Authority.KeyAdminAuthority(reopened, h.Clock, new KeyAdmin.Core.Audit.Actor("tester", "host"));
        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "bot" }, h.Proof(desk.Seed)));
        Assert.Contains("accounts named 'desk'", e.Message, StringComparison.Ordinal);
#else
        // On SQLite the next open refuses the store already: the accounts' definition and its name index are not KeyAdmin's.
        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.OpenStore());
        Assert.Contains("schema row", e.Message, StringComparison.Ordinal);
#endif
    }

    [Fact]
    public void Listing_AnAccountRowDuplicatedWithAnOlderCopy_ReportsTheCopyRatherThanListingTheKeyTwice()
    {
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var accountId = h.AccountRecord("desk").AccountId;
        attacker.Attack("CREATE TABLE kept AS SELECT * FROM accounts");
        h.Authority.Accounts.Update("desk", new AccountChanges { KeyLimit = 3 }, h.Proof(desk.Seed));
#if POSTGRES
        attacker.Attack("ALTER TABLE accounts DROP CONSTRAINT accounts_pkey CASCADE; ALTER TABLE accounts DROP CONSTRAINT accounts_name_key_key; INSERT INTO accounts SELECT * FROM kept");
#else
        attacker.Attack("PRAGMA foreign_keys = OFF; CREATE TABLE accounts_copy AS SELECT * FROM accounts; DROP TABLE accounts; ALTER TABLE accounts_copy RENAME TO accounts; " +
                        "INSERT INTO accounts SELECT * FROM kept");
#endif

        var rows = h.Authority.Keys.ListChecked().ToList();

        Assert.Single(rows, r => r.Value?.KeyId == key.KeyId);
        Assert.Contains(rows, r => r.Tampered?.Target as string == "accounts:" + accountId);
    }

#if POSTGRES
    [Fact]
    public void KeyRolledBack_WithRowSecurityHidingTheLaterIndexEntryFromTheReadCheckOnly_IsReportedAndRefusedOnOpen()
    {
        // The table owner (the role KeyAdmin connects as, not only the superuser) may give its tables row security:
        // a policy that hides the later version's index entry from the read check's statement alone, so that the
        // server shows the verifier an older copy of the row as the latest and the chain check the whole index.
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var disabled = attacker.DisableAndPutBackTheEnabledRow(key);
        RawDb.Execute(
            h.StorePath,
            $"SET ROLE {KeyAdmin.TestSupport.PostgresCluster.Role}; ALTER TABLE audit_rows ENABLE ROW LEVEL SECURITY; ALTER TABLE audit_rows FORCE ROW LEVEL SECURITY; " +
            $"CREATE POLICY hide ON audit_rows FOR SELECT USING (NOT (row_ref = 'api_keys:{key.KeyId}' AND seq = {disabled} AND current_query() LIKE '%max(ix.seq)%')); " +
            "CREATE POLICY add ON audit_rows FOR INSERT WITH CHECK (true); CREATE POLICY change ON audit_rows FOR UPDATE USING (true); " +
            "CREATE POLICY remove ON audit_rows FOR DELETE USING (true)");

        // What a store open before the policy came still believes (docs/SECURITY.md: it is reopened to notice) ...
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason);
        // ... while the audit check, compliance and every open see the schema the server answers through.
        var report = h.Authority.Audit.Verify();
        Assert.False(report.IsIntact);
        Assert.Contains("row security", report.Problem, StringComparison.Ordinal);
        Assert.Contains(attacker.Review(), f => f.Rule == ComplianceRule.StoreTampered && f.Message.Contains("audit_rows", StringComparison.Ordinal));
        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.OpenStore());
        Assert.Equal("schema:audit_rows", e.Target);
    }
#endif

    // ---- The upgrade ----

    [Fact]
    public void Upgrade_OfAStoreMadeToLookOlderThanTheAuditChain_IsRefusedRatherThanItsEditsSealed()
    {
        // A store of schema 2 had no chain: the upgrade would chain its log afresh and seal its rows as they are.
        // Whoever writes the database makes a current store look like one: drops the chain and the seals, renames
        // the schema version in its records, re-enables a disabled key, and waits for the next open.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Read);
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        StripToSchemaTwo($"UPDATE api_keys SET status = 'Enabled', disabled_at = NULL, disabled_reason = NULL WHERE key_id = '{key.KeyId}'");

        var e = Refusal.Expect(KeyAdminError.StoreTampered, () => h.OpenStore());

        Assert.Contains("audit chain", e.Message, StringComparison.Ordinal);
        Assert.Equal(2L, SchemaVersion());
    }

    // ---- Commands that only read ----

    [Fact]
    public void CommandsThatOnlyRead_OnAWritableStoreWithTamperedRows_WriteNothing()
    {
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        h.SetPolicy(p => p with { MaxFailedCodes = 3 });
        attacker.Attack($"UPDATE api_keys SET memo = 'changed' WHERE key_id = '{key.KeyId}'; UPDATE policy SET max_keys = 1000; UPDATE authenticators SET last_used_step = 0");
        var before = Snapshot();

        Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Get(key.KeyId));
        Assert.Throws<KeyAdminException>(() => h.Authority.Keys.Get("desk", "bot"));
        _ = h.Authority.Keys.ListChecked().ToList();
        Assert.ThrowsAny<KeyAdminException>(() => h.Authority.Accounts.List());
        Assert.ThrowsAny<KeyAdminException>(() => h.Authority.Policy.Get());
        _ = attacker.Review();
        _ = h.Authority.Audit.Verify();
        _ = h.Authority.Audit.Read(new AuditQuery()).ToList();
        _ = h.Authority.Rotations.List();

        Assert.Equal(before, Snapshot());
    }

    // ---- What a refusal carries ----

    [Fact]
    public void StoreTampered_MessagesTargetsAndAuditRecords_CarryNoSecretMaterial()
    {
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Read);
        var sealedSecret = (byte[])RawDb.Row(h.StorePath, "api_keys", $"key_id = '{key.KeyId}'")["secret"]!;
        var sealedSeed = (byte[])RawDb.Row(h.StorePath, "authenticators", "1 = 1")["seed"]!;
        var code = h.Code(desk.Seed);
        attacker.Attack($"UPDATE api_keys SET memo = 'changed' WHERE key_id = '{key.KeyId}'; UPDATE authenticators SET last_used_step = 0");

        var said = new List<string?>
        {
            verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Read)).Message,
        };
        foreach (var act in new Action[]
        {
            () => h.Authority.Keys.Get(key.KeyId),
            () => h.Authority.Keys.Create(new NewKeyRequest { Account = "desk", Name = "other" }, TwoFactorProof.FromCode(code)),
            () => h.Authority.Keys.Disable(key.KeyId, "x"),
        })
        {
            var e = Assert.ThrowsAny<KeyAdminException>(act);
            said.Add(e.Message);
            said.Add(e.Target?.ToString());
        }

        verifier.Flush();
        said.AddRange(attacker.Review().Select(f => f.Message));
        said.AddRange(h.Audit().SelectMany(r => new[] { r.Target, r.Detail, r.Reason, r.ConfirmedBy }));

        var forbidden = new[]
        {
            Encoding.ASCII.GetString(secret), Convert.ToBase64String(sealedSecret), Convert.ToHexString(sealedSecret), Convert.ToBase64String(sealedSeed),
            Convert.ToHexString(sealedSeed), Totp.ToBase32(desk.Seed), Convert.ToHexString(desk.Seed), code,
        };
        foreach (var text in said.Where(t => t is not null))
        {
            foreach (var secretText in forbidden)
            {
                Assert.DoesNotContain(secretText, text!, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>Makes the store look like one of schema 2 (before the audit chain), with <paramref name="edit"/> made on the way.</summary>
    private void StripToSchemaTwo(string edit)
    {
        var sealedTables = new[] { "accounts", "authenticators", "api_keys", "policy", Meta };
        var dropped = sealedTables.SelectMany(t => new[] { $"ALTER TABLE {t} DROP COLUMN row_version", $"ALTER TABLE {t} DROP COLUMN row_mac" })
            .Concat(new[] { "pending_delivery", "vault_name", "vault_secret_name", "rotated_from", "rotated_to", "passphrase", "key_versions", "withdrawal_failures", "withdrawal_locked_until", "decision_mac" }.Select(c => $"ALTER TABLE api_keys DROP COLUMN {c}"))
            .Concat(new[] { "min_binding_prefix_v4", "min_binding_prefix_v6", "recovery_seconds" }.Select(c => $"ALTER TABLE policy DROP COLUMN {c}"))
            .Concat(new[] { "recovery_started_at", "recovery_until", "decision_mac" }.Select(c => $"ALTER TABLE accounts DROP COLUMN {c}"))
            .Concat(new[] { "scope", "suspended_at" }.Select(c => $"ALTER TABLE authenticators DROP COLUMN {c}"))
            .Concat(new[] { "row_refs", "hash", "prev_hash", "account_id" }.Select(c => $"ALTER TABLE audit DROP COLUMN {c}"));
#if POSTGRES
        attacker.Attack($"DROP TRIGGER api_keys_deleted_final ON api_keys; {edit}; DROP TABLE audit_rows; DROP TABLE rotations; DROP TABLE replay_guard; DROP TABLE recovery_codes; " +
                        string.Join("; ", dropped.Select(d => d + " CASCADE")) + "; " +
                        Storage.Postgres.PostgresDialect.Instance.RefuseUpdateTrigger("api_keys_deleted_final", "api_keys", null, "OLD.status = 'Deleted'", "KeyAdmin.KeyDeleted") +
                        $"; DELETE FROM {Meta} WHERE name = 'audit_head'; UPDATE {Meta} SET value = '2' WHERE name = 'schema_version'" +
                        $"; UPDATE audit SET detail = replace(detail, 'SchemaVersion={Storage.StoreSchema.CurrentVersion}', 'SchemaVersion=2')");
#else
        attacker.AttackLeavingTheKeyTriggersDropped($"{edit}; DROP TABLE audit_rows; DROP TABLE rotations; DROP TABLE replay_guard; DROP TABLE recovery_codes; " + string.Join("; ", dropped) + "; " +
                        Storage.Sqlite.SqliteDialect.Instance.RefuseUpdateTrigger("api_keys_deleted_final", "api_keys", null, "OLD.status = 'Deleted'", "KeyAdmin.KeyDeleted") +
                        $" DELETE FROM {Meta} WHERE name = 'audit_head'; UPDATE audit SET detail = replace(detail, 'SchemaVersion={Storage.StoreSchema.CurrentVersion}', 'SchemaVersion=2'); PRAGMA user_version = 2");
#endif
    }

#if POSTGRES
    private static string Flag(bool value) => value ? "TRUE" : "FALSE";
#else
    private static string Flag(bool value) => value ? "1" : "0";
#endif

#if POSTGRES
    private long SchemaVersion() => long.Parse(RawDb.Text(h.StorePath, $"SELECT value FROM {Meta} WHERE name = 'schema_version'")!, System.Globalization.CultureInfo.InvariantCulture);
#else
    private long SchemaVersion() => RawDb.Scalar(h.StorePath, "PRAGMA user_version");
#endif

    private string Snapshot() => string.Join("\n--\n", new[] { "accounts", "authenticators", "api_keys", "policy", "rotations", "audit", "audit_rows", "verification_refusals", Meta }
        .Select(t => RawDb.Dump(h.StorePath, t)));
}

#if !POSTGRES
/// <summary>
/// Another local user against the store's files: a key file planted in the moment between its check and its read, a
/// folder others may write to. SQLite only (a file on disk); the key file check is the same code for both engines.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[System.Runtime.Versioning.SupportedOSPlatform("macos")]
public sealed class IntegrityRedTeamFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "keyadmin-core-tests", Guid.NewGuid().ToString("N"));

    public IntegrityRedTeamFileTests() => Directory.CreateDirectory(folder);

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [UnixFact]
    public void KeyFile_PlantedBetweenItsCheckAndItsRead_IsNeverUsed()
    {
        // A key file that is missing when it is looked at and present when it is read: one that others may open (here
        // 644; as another user's, the same), moved in and out as fast as the machine allows.
        var kek = Path.Combine(folder, "race.kek");
        var planted = Path.Combine(folder, "planted.kek");
        var attackersKey = Enumerable.Repeat((byte)0xA5, 32).ToArray();
        File.WriteAllBytes(planted, attackersKey);
        File.SetUnixFileMode(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var stop = new CancellationTokenSource();
        var toggler = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                File.Move(planted, kek);
                File.Move(kek, planted);
            }
        });
        var source = new Crypto.FileKeyEncryptionKeySource(kek);
        var (used, refused, missing) = (0, 0, 0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            try
            {
                if (source.Load() is { } loaded)
                {
                    used += loaded.SequenceEqual(attackersKey) ? 1 : 0;
                }
                else
                {
                    missing++;
                }
            }
            catch (KeyAdminException)
            {
                refused++;
            }
        }

        stop.Cancel();
        toggler.Wait();
        Assert.True(refused > 0 && missing > 0, $"the race ran both ways ({refused} refused, {missing} missing)");
        Assert.Equal(0, used);
    }

    [UnixFact]
    public void StoreOrKeyFile_ThatIsAFolder_IsRefusedAndNothingIsCreated()
    {
        var store = Path.Combine(folder, "store.db");
        Directory.CreateDirectory(store);
        Assert.ThrowsAny<KeyAdminException>(() => Storage.Sqlite.SqliteStore.Open(store, new Crypto.FileKeyEncryptionKeySource(store + ".kek")));

        var other = Path.Combine(folder, "other.db");
        Storage.Sqlite.SqliteStore.Open(other, new Crypto.FileKeyEncryptionKeySource(other + ".kek")).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(other + ".kek");
        Directory.CreateDirectory(other + ".kek");
        Refusal.Expect(KeyAdminError.KeyEncryptionKeyMissing, () => Storage.Sqlite.SqliteStore.Open(other, new Crypto.FileKeyEncryptionKeySource(other + ".kek")));

        Assert.False(File.Exists(store + ".kek"));
    }

    [UnixTheory]
    [InlineData(UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.GroupWrite)]
    public void StoreFolder_ThatOthersMayWriteTo_IsRefusedBeforeAnythingIsCreatedInIt(UnixFileMode write)
    {
        // Whoever may write the folder may plant the store's write-ahead log there (a file of theirs, 666, that SQLite
        // then writes every change into), or swap the store between its check and its open.
        var shared = Path.Combine(folder, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                     UnixFileMode.OtherRead | UnixFileMode.OtherExecute | write | UnixFileMode.StickyBit);
        var store = Path.Combine(shared, "keyadmin.db");

        var e = Refusal.Expect(KeyAdminError.StoreFileUnsafe, () => Storage.Sqlite.SqliteStore.Open(store, new Crypto.FileKeyEncryptionKeySource(store + ".kek")));

        Assert.Contains("chmod go-w", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(shared));
    }
}
#endif
