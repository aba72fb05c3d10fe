using System.Text;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// Attacks on the key listing (Get-ApiKey, Test-ApiKeyCompliance) by whoever writes the database without the
/// key-encryption key: each makes the listing show a key otherwise than the single-key lookup and the verifier
/// decide it, or hide it, without the listing or the audit check saying so.
/// </summary>
public sealed class ListingRedTeamTests : IDisposable
{
    private readonly StoreAttacker attacker = new();

    private Harness h => attacker.Harness;

    public void Dispose() => attacker.Dispose();

    [Theory]
    [InlineData("")]
#if !POSTGRES
    [InlineData("CAST(created_at AS TEXT) || 'x'")]
#endif
    public void Listing_AKeyRowCopiedBesideItselfWhereItsPrimaryKeyWasDropped_ListsTheKeyOnceAndReportsTheCopy(string copiedCreatedAt)
    {
        // The account side has this handled (ListedAccounts: "one of two rows under the same id and version"). A key's
        // row copied beside itself, seal and all, was listed twice without a word, while the lookup by name refuses
        // the two. On SQLite the copy may hold its creation time as text ("1893456070000x"), which every read takes
        // for the same number, but which sorts after every number: the copy no longer comes beside the row.
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var other = attacker.NewKey("other", ApiKeyPermission.Read).Key;
#if POSTGRES
        Assert.Empty(copiedCreatedAt); // PostgreSQL's columns hold only their own type
        attacker.Attack($"ALTER TABLE api_keys DROP CONSTRAINT api_keys_pkey CASCADE; DROP INDEX ux_api_keys_name; INSERT INTO api_keys SELECT * FROM api_keys WHERE key_id = '{key.KeyId}'");
#else
        attacker.Attack("PRAGMA foreign_keys = OFF; CREATE TABLE api_keys_copy AS SELECT * FROM api_keys; DROP TABLE api_keys; ALTER TABLE api_keys_copy RENAME TO api_keys; " +
                        $"CREATE INDEX ix_api_keys_account ON api_keys (account_id, status); INSERT INTO api_keys SELECT * FROM api_keys WHERE key_id = '{key.KeyId}'" +
                        (copiedCreatedAt.Length == 0 ? string.Empty : $"; UPDATE api_keys SET created_at = {copiedCreatedAt} WHERE rowid = (SELECT max(rowid) FROM api_keys)"));
#endif

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get("desk", "bot"));
        var rows = h.Authority.Keys.ListChecked().ToList();

        Assert.Contains(rows, r => r.Value?.KeyId == other.KeyId);
        Assert.True(
            rows.Count(r => r.Value?.KeyId == key.KeyId) <= 1,
            $"the key is listed {rows.Count(r => r.Value?.KeyId == key.KeyId)} times, and no copy is reported");
        Assert.Contains(rows, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, key.KeyId));
    }

#if !POSTGRES
    [Fact]
    public void Listing_AKeyWhoseIdIsStoredAsABlob_IsReportedRatherThanListedAsAKeyNoLookupFinds()
    {
        // SQLite: the id kept as the BLOB of its own bytes. The packed id (CAST AS TEXT) is the sealed one, so the
        // listing showed the key as enabled; the lookup by id (key_id = @id) and the verifier never find it.
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        attacker.Attack($"UPDATE api_keys SET key_id = CAST(key_id AS BLOB) WHERE key_id = '{key.KeyId}'");

        Assert.Equal(VerificationReason.UnknownKey, attacker.Verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason);
        Refusal.Expect(KeyAdminError.KeyNotFound, () => h.Authority.Keys.Get(key.KeyId));
        var listed = Assert.Single(h.Authority.Keys.ListChecked());

        Assert.Null(listed.Value);
        Assert.Equal(KeyAdminError.StoreTampered, listed.Tampered!.Error);
    }
#endif

    [Fact]
    public void GetApiKey_ALiveKeyWhoseStatusColumnSaysDeleted_IsReportedRatherThanLeftOut()
    {
        // The SQL filter of Get-ApiKey (status <> 'Deleted') takes the column's word; the lookup by id refuses it.
        var key = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var other = attacker.NewKey("other", ApiKeyPermission.Read).Key;
        attacker.Attack($"UPDATE api_keys SET status = 'Deleted' WHERE key_id = '{key.KeyId}'");

        Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Keys.Get(key.KeyId));
        var rows = h.Authority.Keys.ListChecked(includeDeleted: false).ToList();

        Assert.Contains(rows, r => r.Value?.KeyId == other.KeyId);
        Assert.Contains(rows, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, key.KeyId));
    }

    [Fact]
    public void Listing_AKeyCreatedAndAnotherDisabledWhileTheListingStreams_AreNotSeenAndNothingIsReported()
    {
        // The table's count must be of the listing's own snapshot: counted after a key was created elsewhere, it
        // would report a tampered store that nobody touched.
        var first = attacker.NewKey("first", ApiKeyPermission.Read).Key;
        var gone = attacker.NewKey("gone", ApiKeyPermission.Read).Key;

        var listed = h.Store.Read(reader =>
        {
            using var keys = reader.StreamCheckedKeys(new KeyQuery { IncludeDeleted = true }).GetEnumerator();
            Assert.True(keys.MoveNext());
            attacker.NewKey("meanwhile", ApiKeyPermission.Read);
            h.Authority.Keys.Disable(gone.KeyId, "retired");
            var rows = new List<Checked<ApiKey>> { keys.Current };
            while (keys.MoveNext())
            {
                rows.Add(keys.Current);
            }

            return rows;
        });

        Assert.All(listed, r => Assert.Null(r.Tampered));
        Assert.Equal(new[] { first.KeyId, gone.KeyId }.Order(), listed.Select(r => r.Value!.KeyId).Order());
        Assert.All(listed, r => Assert.Equal(ApiKeyStatus.Enabled, r.Value!.StoredStatus));
    }

#if !POSTGRES
    [Fact]
    public void KeyRolledBack_TheLaterIndexEntryLeftOutOfTheRowRefIndexOnly_IsReportedByTheAuditCheck()
    {
        // The read check finds a row's latest version through audit_rows' primary key index (row_ref, seq); the chain
        // check reads the index by seq (ix_audit_rows_seq). Whoever writes the file gives the primary key index the
        // b-tree of a partial index without the later entry (two root pages swapped under writable_schema): every read
        // takes the enabled copy for the latest, and the table, its index by seq and the schema's text are unchanged.
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var disabled = attacker.DisableAndPutBackTheEnabledRow(key);
        HideFromIndex("sqlite_autoindex_audit_rows_1", "audit_rows(row_ref, seq)", $"NOT (row_ref = 'api_keys:{key.KeyId}' AND seq = {disabled})");

        var accepted = attacker.Verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason;
        var listed = h.Authority.Keys.ListChecked().Single();
        var report = h.Authority.Audit.Verify();

        Assert.False(
            report.IsIntact,
            $"the verifier says {accepted}, the listing shows the key {listed.Value?.StoredStatus.ToString() ?? "refused"}, and the audit check says the chain is intact");
        Assert.Contains("sqlite_autoindex_audit_rows_1", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Listing_AWorkingKeyLeftOutOfTheAccountIndexesOnly_IsListedOrReportedByTheAuditCheck()
    {
        // The listing finds an account's keys through api_keys' account indexes (accounts a CROSS JOIN api_keys k); the
        // verifier and Get-ApiKey -KeyId through its primary key. Give the account indexes the b-trees of partial
        // indexes without one key: that key still works, and the listing and compliance cannot read it; the audit check
        // must say so (and the listing, below).
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade | ApiKeyPermission.Withdraw);
        var other = attacker.NewKey("other", ApiKeyPermission.Read).Key;
        HideFromTheAccountIndexes(key);

        Assert.Equal(VerificationReason.Accepted, attacker.Verifier.Verify(attacker.Sign(key, secret, ApiKeyPermission.Trade)).Reason);
        Assert.Equal(key.KeyId, h.Authority.Keys.Get(key.KeyId).KeyId);
        var listed = h.Authority.Keys.ListChecked().ToList();
        Assert.Contains(listed, r => r.Value?.KeyId == other.KeyId);
        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact, $"the listing holds {listed.Count} key(s), without the working key, and the audit check says the chain is intact");
        Assert.True(report.Problem!.Contains("ix_api_keys_account", StringComparison.Ordinal), report.Problem);
    }

    [Fact]
    public void ListingAndCompliance_AWorkingKeyLeftOutOfTheAccountIndexesOnly_NameTheKeyTheyCouldNotList()
    {
        // The same attack as above, seen where administrators look: Get-ApiKey and Test-ApiKeyCompliance read keys
        // through the account index, so the key that still works was missing from both without a word. The key
        // table itself still holds the row: a listing of every key counts it there and names what it missed.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Trade | ApiKeyPermission.Withdraw);
        var other = attacker.NewKey("other", ApiKeyPermission.Read).Key;
        HideFromTheAccountIndexes(key);

        var listed = h.Authority.Keys.ListChecked().ToList();
        var findings = h.Authority.Compliance.Review(new ComplianceOptions()).ToList();

        Assert.Contains(listed, r => r.Value?.KeyId == other.KeyId);
        var refusal = Assert.Single(listed, r => r.Tampered is not null).Tampered!;
        Assert.Equal(KeyAdminError.StoreTampered, refusal.Error);
        Assert.Equal(RowSeal.Ref("api_keys", key.KeyId), refusal.Target);
        var finding = Assert.Single(findings, f => f.Rule == ComplianceRule.StoreTampered);
        Assert.Equal(key.KeyId, finding.KeyId);
    }

    [Fact]
    public void ListingAndCompliance_AKeyWhoseAccountRowIsGone_NameTheKeyTheyCouldNotList()
    {
        // The listing joins each key with its account. A key row whose account row was deleted (foreign keys are the
        // writer's to switch off) joined nothing and was left out unseen; the table's count still holds it.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Read);
        attacker.Attack($"PRAGMA foreign_keys = OFF; UPDATE api_keys SET account_id = 'gone' WHERE key_id = '{key.KeyId}'");

        var refusal = Assert.Single(h.Authority.Keys.ListChecked()).Tampered!;
        Assert.Equal(RowSeal.Ref("api_keys", key.KeyId), refusal.Target);
    }

    [Fact]
    public void Listing_AnAccountLeftOutOfTheNameIndexTheListingWalks_NamesTheKeysItDidNotReach()
    {
        // The listing walks accounts in name order through their name index. An account left out of it takes all its
        // keys out of the listing, while the account and its keys' index entries stay: the key table's count finds
        // them missing, and the name index, asked for the account's own row, names them.
        var bot = attacker.NewKey("bot", ApiKeyPermission.Trade).Key;
        var other = attacker.NewKey("other", ApiKeyPermission.Read).Key;
        HideFromIndex("sqlite_autoindex_accounts_2", "accounts(name_key)", $"name <> '{attacker.Account.Name}'");

        var refusals = h.Authority.Keys.ListChecked().Select(r => r.Tampered!.Target as string).Order().ToList();

        Assert.Equal(new[] { bot, other }.Select(k => RowSeal.Ref("api_keys", k.KeyId)).Order(), refusals);
    }

    [Fact]
    public void Listing_AKeyRowCopiedBesideItself_IsCountedOnceAndTheCountsAreReported()
    {
        // Where no key is missing from the indexes but the table holds more rows than the listing reached keys (a
        // copy of a key's row beside it, its primary key dropped), the listing reports the two counts.
        var key = attacker.NewKey("bot", ApiKeyPermission.Trade).Key;
        attacker.NewKey("other", ApiKeyPermission.Read);
        attacker.Attack("PRAGMA foreign_keys = OFF; CREATE TABLE api_keys_copy AS SELECT * FROM api_keys; DROP TABLE api_keys; ALTER TABLE api_keys_copy RENAME TO api_keys; " +
                        $"CREATE INDEX ix_api_keys_account ON api_keys (account_id, status); INSERT INTO api_keys SELECT * FROM api_keys WHERE key_id = '{key.KeyId}'");

        var refusal = Assert.Single(h.Authority.Keys.ListChecked(), r => r.Tampered?.Target as string == RowSeal.Ref("api_keys", "*")).Tampered!;

        Assert.Contains("holds 3 rows where the listing reached 2 keys", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListingAndCompliance_AnAccountsNameIndexEntryPointedAtAnotherAccount_NameTheKeysItHid()
    {
        // The name index entry of the account holding a working Withdraw key is pointed at another account's row. The
        // listing's outer loop then came to that other account's keys twice and never to the working key: as many rows
        // as the key table holds, so its count matched, and each row read was genuine. With the decoy account holding
        // only a deleted key, Get-ApiKey and compliance showed nothing doubled either (found by a red-team review).
        var (gone, shown, issued) = DecoyWithADeletedKeyAndHidden();
        var key = issued.Key;
        PointNameIndexEntry(from: "zulu", to: "alpha");
        Assert.Equal(VerificationReason.Accepted, attacker.Verifier.Verify(attacker.Sign(key, Encoding.ASCII.GetBytes(Harness.Reveal(issued.Secret)), ApiKeyPermission.Withdraw)).Reason);

        AssertNamed(key, gone.AccountId, shown);
    }

    [Fact]
    public void Listing_AnAccountsKeysReachedTwiceThroughTheNameIndex_AreReportedAndNotListedTwice()
    {
        // The same redirection where the decoy account holds a live key: that key came twice, apart (the keys of
        // "desk" came between), where the listing's check of copies only looks at the row before.
        var decoy = h.NewAccount("alpha");
        var hidden = h.NewAccount("zulu");
        var twice = h.CreateKey(decoy, "z", r => r with { Permissions = ApiKeyPermission.Read }).Key;
        var between = attacker.NewKey("y", ApiKeyPermission.Read).Key;
        var key = h.CreateKey(hidden, "x", r => r with { Permissions = ApiKeyPermission.Read }).Key;
        PointNameIndexEntry(from: "zulu", to: "alpha");

        var listed = h.Authority.Keys.ListChecked().ToList();

        Assert.Single(listed, r => r.Value?.KeyId == twice.KeyId);
        Assert.Single(listed, r => r.Value?.KeyId == between.KeyId);
        Assert.Single(listed, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Accounts, twice.AccountId));
        Assert.Contains(listed, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, key.KeyId));
    }

    [Fact]
    public void ListingAndCompliance_ASecondNameEntryForAnAccountBesideItsOwn_NameTheKeysItHid()
    {
        // A second round of the review: the decoy's row entered twice in the name index, under its own name and a name
        // that sorts right after it ('alpha0'), in place of the hidden account's entry. The two passes over the decoy
        // came next to each other, with no other account between, and its two keys interleaved (g1, g2, g1, g2), so
        // neither the account's return nor the copy beside a key showed; two deleted keys stood for the hidden two.
        var (decoy, key, shown) = DecoyAndHidden();
        attacker.Attack("CREATE TABLE attacker_names (k TEXT, r INTEGER, PRIMARY KEY (k, r)) WITHOUT ROWID; " +
                        "INSERT INTO attacker_names SELECT name_key, rowid FROM accounts WHERE name <> 'zulu'; " +
                        "INSERT INTO attacker_names SELECT name_key || '0', rowid FROM accounts WHERE name = 'alpha'");
        SwapRoots("sqlite_autoindex_accounts_2", "attacker_names");
        attacker.Attack("DROP TABLE attacker_names");

        AssertNamed(key.Key, decoy, shown);
    }

    [Fact]
    public void ListingAndCompliance_AnIndexOfTheAttackersThatOnlyTheListingUses_IsReported()
    {
        // A new partial, covering index over the accounts' listed columns (account_id IS NOT NULL, which the listing's
        // join implies and a read of accounts alone does not): the planner takes it for the listing only, so the
        // account list and its checks see the true name index while the listing reads the attacker's b-tree. Whatever
        // index the listing reads, a second pass over an account is reported and only the keys it reached count.
        var (decoy, key, shown) = DecoyAndHidden();
        attacker.Attack("CREATE INDEX ix_accounts_listing ON accounts (name_key, account_id, name, row_version) WHERE account_id IS NOT NULL");
        attacker.Attack("CREATE TABLE attacker_names (k, i, n, v, r, PRIMARY KEY (k, i, n, v, r)) WITHOUT ROWID; " +
                        "INSERT INTO attacker_names SELECT name_key, account_id, name, row_version, rowid FROM accounts WHERE name <> 'zulu'; " +
                        "INSERT INTO attacker_names SELECT name_key || '0', account_id, name, row_version, rowid FROM accounts WHERE name = 'alpha'");
        SwapRoots("ix_accounts_listing", "attacker_names");
        attacker.Attack("DROP TABLE attacker_names");

        var listed = h.Authority.Keys.ListChecked().ToList();
        var findings = h.Authority.Compliance.Review(new ComplianceOptions()).ToList();

        Assert.Contains(listed, r => r.Value?.KeyId == shown.KeyId);
        Assert.DoesNotContain(listed, r => r.Value?.KeyId == key.Key.KeyId);
        Assert.Contains(listed, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Accounts, decoy));
        Assert.Contains(listed, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, "*") && r.Tampered.Message.Contains("holds 5 rows where the listing reached 3 keys", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Rule == ComplianceRule.StoreTampered);
    }

    [Fact]
    public void ListingAndCompliance_AnAccountIdSpelledInUpperCaseWhereTheSchemaComparesWithoutCase_IsReported()
    {
        // A third review: the schema's text made to compare account ids without regard to case (under writable_schema;
        // ids are lower-case hex, so every b-tree stays in order), the hidden key left out of the account index, and
        // an index of the attacker's own over the accounts holding one more entry: the decoy's row under the
        // upper-case spelling of its id. The join came to the decoy's key under that spelling, which Reach took for
        // another account, so the key was counted twice and the count matched; the key's own row, read from its
        // index entry, passed its seal.
        var (gone, shown, issued) = DecoyWithADeletedKeyAndHidden();
        var key = issued.Key;
        attacker.Attack("PRAGMA writable_schema = ON; " +
                        "UPDATE sqlite_schema SET sql = replace(sql, 'account_id TEXT', 'account_id TEXT COLLATE NOCASE') WHERE name = 'accounts'; " +
                        "UPDATE sqlite_schema SET sql = replace(sql, '(account_id', '(account_id COLLATE NOCASE') WHERE name = 'ix_api_keys_account'; " +
                        "PRAGMA writable_schema = OFF");
        attacker.Attack("CREATE TABLE attacker_bump (x); DROP TABLE attacker_bump");
        HideFromIndex("ix_api_keys_account", "api_keys(account_id, status)", $"key_id <> '{key.KeyId}'");
        attacker.Attack("CREATE INDEX ix_accounts_listing ON accounts (name_key, account_id, name, row_version) WHERE account_id IS NOT NULL");
        attacker.Attack("CREATE TABLE attacker_names (k, i, n, v, r, PRIMARY KEY (k, i, n, v, r)) WITHOUT ROWID; " +
                        "INSERT INTO attacker_names SELECT name_key, account_id, name, row_version, rowid FROM accounts; " +
                        "INSERT INTO attacker_names SELECT 'zzz', upper(account_id), name, row_version, rowid FROM accounts WHERE name = 'alpha'");
        SwapRoots("ix_accounts_listing", "attacker_names");
        attacker.Attack("DROP TABLE attacker_names");

        var all = h.Authority.Keys.ListChecked(includeDeleted: true).ToList();
        var findings = h.Authority.Compliance.Review(new ComplianceOptions()).ToList();

        Assert.Contains(all, r => r.Value?.KeyId == shown.KeyId);
        Assert.Single(all, r => r.Value?.KeyId == gone.KeyId);
        Assert.Contains(all, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, gone.KeyId));
        Assert.Contains(all, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, key.KeyId));
        Assert.Contains(findings, f => f.Rule == ComplianceRule.StoreTampered && f.KeyId == key.KeyId);
    }

    [Fact]
    public void ListingComplianceOpenAndAuditCheck_AKeyRowDeletedWhileAnIndexOfTheAttackersStillAnswersItsId_AreRefusedOrReported()
    {
        // A fourth review: an index of the attacker's own over every column of api_keys, preferred by the planner
        // through statistics of their own (sqlite_stat1), detached from the table while the key's row is deleted and
        // attached again. Lookups by id (a verifier, Get-ApiKey -KeyId) read the sealed row from that index; the listing
        // and the key table's count read the table, which no longer holds it, so they matched. The catalogue is not
        // the migrations' own: the listing and compliance report it, the next open refuses the store, and the audit
        // check's integrity check finds the index holding an entry the table does not.
        var (key, _) = attacker.NewKey("bot", ApiKeyPermission.Trade | ApiKeyPermission.Withdraw);
        attacker.NewKey("other", ApiKeyPermission.Read);
        var columns = "key_id, " + RawDb.Text(h.StorePath, "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info('api_keys') WHERE name <> 'key_id' ORDER BY cid)");
        attacker.Attack($"CREATE TABLE attacker_shadow AS SELECT * FROM api_keys WHERE 0; CREATE INDEX attacker_cover ON api_keys ({columns})");
        attacker.Attack("ANALYZE; UPDATE sqlite_stat1 SET stat = '1000 1' WHERE idx IN ('attacker_cover', 'sqlite_autoindex_api_keys_1')");
        attacker.Attack("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET tbl_name = 'attacker_shadow', sql = replace(sql, 'ON api_keys', 'ON attacker_shadow') WHERE name = 'attacker_cover'; PRAGMA writable_schema = OFF");
        attacker.Attack($"PRAGMA foreign_keys = OFF; DELETE FROM api_keys WHERE key_id = '{key.KeyId}'");
        attacker.Attack("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET tbl_name = 'api_keys', sql = replace(sql, 'ON attacker_shadow', 'ON api_keys') WHERE name = 'attacker_cover'; PRAGMA writable_schema = OFF");
        attacker.Attack("DROP TABLE attacker_shadow");

        var listed = h.Authority.Keys.ListChecked().ToList();
        var findings = h.Authority.Compliance.Review(new ComplianceOptions()).ToList();
        var report = h.Authority.Audit.Verify();

        Assert.Contains(listed, r => r.Tampered?.Target as string == "schema:attacker_cover");
        Assert.Contains(listed, r => r.Tampered?.Target as string == "schema:sqlite_stat1");
        Assert.Single(findings, f => f.Rule == ComplianceRule.StoreTampered && f.Message.Contains("attacker_cover", StringComparison.Ordinal));
        Refusal.Expect(KeyAdminError.StoreTampered, () => h.OpenStore());
        Assert.False(report.IsIntact, "the audit check says the store is intact");
        Assert.Contains("attacker_cover", report.Problem!, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AStoreWhoseCatalogueIsTheMigrationsOwn_IsNotRefused()
    {
        // The catalogue KeyAdmin checks is read from the migrations run on an empty database: a store created by them,
        // used and opened again, holds exactly that.
        attacker.NewKey("bot", ApiKeyPermission.Read);
        h.Authority.Keys.Disable(attacker.NewKey("other", ApiKeyPermission.Read).Key.KeyId, "retired");

        using var reopened = h.OpenStore();

        Assert.Empty(reopened.Read(r => r.ScanSchema()));
    }

    [Fact]
    public void Listing_TheKeyTableGone_EndsWithTheStoresError()
    {
        // A statement of a stream that SQLite refuses ends the listing as every other statement's refusal does, with
        // the store's error, not the provider's exception.
        attacker.NewKey("bot", ApiKeyPermission.Read);
        attacker.Attack("PRAGMA foreign_keys = OFF; DROP TABLE api_keys");

        Refusal.Expect(KeyAdminError.StoreUnavailable, () => h.Authority.Keys.ListChecked().ToList());
    }

    /// <summary>alpha (the decoy) holds one deleted key, desk a Read key, zulu (the hidden account) a working Withdraw key.</summary>
    private (ApiKey Gone, ApiKey Shown, IssuedKey Hidden) DecoyWithADeletedKeyAndHidden()
    {
        var decoy = h.NewAccount("alpha");
        var hidden = h.NewAccount("zulu");
        var gone = h.CreateAndRemoveKey(decoy, "gone");
        var shown = attacker.NewKey("y", ApiKeyPermission.Read).Key;
        var key = h.CreateKey(hidden, "x", r => r with { Permissions = ApiKeyPermission.Trade | ApiKeyPermission.Withdraw, AllowUnboundSensitive = true });
        return (gone, shown, key);
    }

    /// <summary>
    /// alpha (the decoy) holds two deleted keys; desk a Read key; zulu a working Withdraw key and a deleted key: an attack
    /// that lists alpha's keys twice in place of zulu's keeps the key table's count.
    /// </summary>
    private (string Decoy, IssuedKey Key, ApiKey Shown) DecoyAndHidden()
    {
        var decoy = h.NewAccount("alpha");
        var hidden = h.NewAccount("zulu");
        var gone = h.CreateAndRemoveKey(decoy, "g1");
        h.CreateAndRemoveKey(decoy, "g2");
        var shown = attacker.NewKey("y", ApiKeyPermission.Read).Key;
        var key = h.CreateKey(hidden, "x", r => r with { Permissions = ApiKeyPermission.Trade | ApiKeyPermission.Withdraw, AllowUnboundSensitive = true });
        h.CreateAndRemoveKey(hidden, "old");
        return (gone.AccountId, key, shown);
    }

    /// <summary>The hidden key still verifies; the listing and compliance name it, and report the decoy's second pass.</summary>
    private void AssertNamed(ApiKey hidden, string decoy, ApiKey shown)
    {
        var listed = h.Authority.Keys.ListChecked().ToList();
        var findings = h.Authority.Compliance.Review(new ComplianceOptions()).ToList();

        Assert.Contains(listed, r => r.Value?.KeyId == shown.KeyId);
        Assert.Contains(listed, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Keys, hidden.KeyId));
        Assert.Contains(listed, r => r.Tampered?.Target as string == RowSeal.Ref(Tables.Accounts, decoy));
        Assert.Contains(findings, f => f.Rule == ComplianceRule.StoreTampered && f.KeyId == hidden.KeyId);
    }

    [Fact]
    public void AccountList_AnAccountsNameIndexEntryPointedAtAnotherAccount_IsRefused()
    {
        // Get-KeyAdminAccount reads the same index: it listed the decoy twice and the hidden account not at all.
        var decoy = h.CreateKey(h.NewAccount("alpha"), "z").Key.AccountId;
        h.NewAccount("zulu");
        attacker.NewKey("y", ApiKeyPermission.Read);
        PointNameIndexEntry(from: "zulu", to: "alpha");

        var refusal = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Accounts.List());

        Assert.Equal(RowSeal.Ref(Tables.Accounts, decoy), refusal.Target);
    }

    [Fact]
    public void AccountList_AnAccountLeftOutOfTheNameIndex_IsRefused()
    {
        h.NewAccount("zulu");
        attacker.NewKey("y", ApiKeyPermission.Read);
        HideFromIndex("sqlite_autoindex_accounts_2", "accounts(name_key)", "name <> 'zulu'");

        var refusal = Refusal.Expect(KeyAdminError.StoreTampered, () => h.Authority.Accounts.List());

        Assert.Equal(RowSeal.Ref(Tables.Accounts, "*"), refusal.Target);
    }

    /// <summary>
    /// Gives the accounts' name index (the listing's outer loop) the b-tree of a table whose records look like its
    /// entries, with the entry of the account <paramref name="from"/> leading to the row of <paramref name="to"/>.
    /// </summary>
    private void PointNameIndexEntry(string from, string to)
    {
        attacker.Attack("CREATE TABLE attacker_names (k TEXT, r INTEGER, PRIMARY KEY (k, r)) WITHOUT ROWID; " +
                        $"INSERT INTO attacker_names SELECT name_key, CASE WHEN name = '{from}' THEN (SELECT rowid FROM accounts WHERE name = '{to}') ELSE rowid END FROM accounts");
        SwapRoots("sqlite_autoindex_accounts_2", "attacker_names");
        attacker.Attack("DROP TABLE attacker_names");
    }

    /// <summary>Gives both of api_keys' account indexes the b-trees of partial ones without <paramref name="key"/>.</summary>
    private void HideFromTheAccountIndexes(ApiKey key)
    {
        HideFromIndex("ix_api_keys_account", "api_keys(account_id, status)", $"key_id <> '{key.KeyId}'");
        HideFromIndex("ux_api_keys_name", "api_keys(account_id, name_key)", $"status <> 'Deleted' AND key_id <> '{key.KeyId}'");
    }

    /// <summary>
    /// Gives the index <paramref name="index"/> the b-tree of a partial index over the same columns that leaves out
    /// what <paramref name="where"/> does not hold: the schema's text stays as it was, the table too.
    /// </summary>
    private void HideFromIndex(string index, string over, string where)
    {
        attacker.Attack($"CREATE INDEX attacker_partial ON {over} WHERE {where}");
        SwapRoots(index, "attacker_partial");
        // A new connection reads the schema afresh; dropping the helper frees the whole b-tree it now names and moves
        // the schema cookie on, so the store's own connections read the schema again too.
        attacker.Attack("DROP INDEX attacker_partial");
    }

    /// <summary>Swaps the root pages of <paramref name="index"/> and <paramref name="helper"/> under writable_schema: the schema's text stays.</summary>
    private void SwapRoots(string index, string helper)
    {
        var original = RawDb.Scalar(h.StorePath, $"SELECT rootpage FROM sqlite_schema WHERE name = '{index}'");
        var other = RawDb.Scalar(h.StorePath, $"SELECT rootpage FROM sqlite_schema WHERE name = '{helper}'");
        attacker.Attack(
            $"PRAGMA writable_schema = ON; UPDATE sqlite_schema SET rootpage = {other} WHERE name = '{index}'; " +
            $"UPDATE sqlite_schema SET rootpage = {original} WHERE name = '{helper}'; PRAGMA writable_schema = OFF");
    }
#endif
}
