using KeyAdmin.Core.Compliance;

namespace KeyAdmin.Core.Authority;

/// <summary>Runs the compliance rules over the whole store, streaming keys so that memory stays flat.</summary>
public sealed class ComplianceService
{
    private readonly Operations ops;
    private readonly AccountService accounts;
    private readonly StoreAdministratorService administrator;

    internal ComplianceService(Operations ops, AccountService accounts, StoreAdministratorService administrator)
    {
        this.ops = ops;
        this.accounts = accounts;
        this.administrator = administrator;
    }

    /// <summary>Findings, account rules first, then key by key; <paramref name="progress"/> hears the count of keys examined.</summary>
    public IEnumerable<ComplianceFinding> Review(ComplianceOptions options, string? accountName = null, Action<long>? progress = null, Vaults.ICredentialVault? vault = null)
    {
        options.Validate();
        var now = ops.Now;
        var tamperedRows = options.Runs(ComplianceRule.StoreTampered) ? ops.Store.Read(r => r.ScanIntegrity()) : Array.Empty<Storage.TamperedRow>();
        foreach (var row in tamperedRows)
        {
            yield return Tampered(row.Table, row.RowId, row.Problem);
        }

        // The key stream reports the schema's tampered rows again at its end (a listing of every key checks them too).
        var reported = tamperedRows.Select(t => (t.Table, t.RowId)).ToHashSet();

        // The binding minimum is the store's policy's; a tampered policy row is its own finding, and the defaults apply.
        var policy = tamperedRows.Any(t => t.Table == Storage.Tables.Policy) ? Policy.KeyAdminPolicy.Default : ops.Store.Read(r => r.ReadPolicy());
        options = options with { MinBindingPrefixV4 = policy.MinBindingPrefixV4, MinBindingPrefixV6 = policy.MinBindingPrefixV6 };

        // Accounts are reviewed only when all of theirs can be trusted: a tampered row is its own finding above.
        var accountsTrusted = !tamperedRows.Any(t => t.Table is Storage.Tables.Accounts or Storage.Tables.Authenticators or Storage.Tables.Policy or Storage.Tables.RecoveryCodes);
        var summaries = (accountsTrusted ? accounts.List() : new List<Accounts.AccountSummary>())
            .Where(a => accountName is null || string.Equals(a.Account.Name, accountName, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (accountName is not null && summaries.Count == 0 && tamperedRows.Count == 0)
        {
            throw new Errors.KeyAdminException(Errors.KeyAdminError.AccountNotFound, $"There is no account named '{accountName}'.", accountName);
        }

        // The store administrator's findings belong to the whole store, not to one account.
        var subjects = accountName is null && accountsTrusted && administrator.Get() is { } storeAdministrator ? summaries.Prepend(storeAdministrator) : summaries;
        foreach (var finding in subjects.SelectMany(a => ComplianceReview.ForAccount(a, now, options)))
        {
            yield return finding;
        }

        if (options.Runs(ComplianceRule.UnfinishedRotation) && tamperedRows.All(t => t.Table != Storage.Tables.Rotations))
        {
            foreach (var rotation in ops.Store.Read(r => r.ListRotations(unfinishedOnly: true)))
            {
                if (accountName is null || string.Equals(rotation.AccountName, accountName, StringComparison.OrdinalIgnoreCase))
                {
                    yield return new ComplianceFinding(ComplianceRule.UnfinishedRotation, ComplianceSeverity.Medium, rotation.AccountName, rotation.OldKeyId, null,
                        $"Rotation {rotation.RotationId} stopped at {rotation.State}: Resume-ApiKeyRotation completes it (or -Undo).", rotation.UpdatedAt);
                }
            }
        }

        // The vault's delivered entries, by name: one entry per delivered key, so this stays small.
        var entries = vault is null ? null : vault.ListDelivered().Where(e => e.StoreId is null || e.StoreId == ops.Store.StoreId).ToDictionary(e => e.SecretName, StringComparer.OrdinalIgnoreCase);
        var liveInVault = new HashSet<string>(StringComparer.Ordinal);
        long examined = 0;
        if (accountName is not null && summaries.Count == 0)
        {
            yield break;
        }

        // Deleted keys too, for the integrity check: a live key whose status column was set to Deleted would hide.
        var keys = ops.Store.StreamCheckedKeys(new Storage.KeyQuery { AccountId = accountName is null ? null : summaries[0].Account.AccountId, IncludeDeleted = true });
        foreach (var row in keys)
        {
            if (row.Tampered is { } tampered)
            {
                if (options.Runs(ComplianceRule.StoreTampered))
                {
                    var (table, id) = Storage.RowSeal.Split(tampered.Target as string);
                    if (!reported.Contains((table, id)))
                    {
                        yield return Tampered(table, id, tampered.Message);
                    }
                }

                continue;
            }

            var key = row.Value!;
            if (key.StoredStatus == Keys.ApiKeyStatus.Deleted)
            {
                continue;
            }

            progress?.Invoke(++examined);
            foreach (var finding in ComplianceReview.ForKey(key, now, options))
            {
                yield return finding;
            }

            if (entries is null || !string.Equals(key.Vault, vault!.Name, StringComparison.OrdinalIgnoreCase) || key.VaultSecretName is null)
            {
                continue;
            }

            if (key.StatusAt(now) == Keys.ApiKeyStatus.Enabled)
            {
                liveInVault.Add(key.KeyId);
            }

            if (options.Runs(ComplianceRule.VaultEntryMissing) && key.StatusAt(now) == Keys.ApiKeyStatus.Enabled &&
                (!entries.TryGetValue(key.VaultSecretName, out var entry) || entry.KeyId != key.KeyId))
            {
                yield return new ComplianceFinding(ComplianceRule.VaultEntryMissing, ComplianceSeverity.High, key.AccountName, key.KeyId, key.Name,
                    $"Vault '{vault.Name}' entry '{key.VaultSecretName}' no longer holds key '{key.Name}': the applications cannot read it.", null);
            }
        }

        if (entries is not null && options.Runs(ComplianceRule.VaultEntryOrphaned) && accountName is null)
        {
            foreach (var entry in entries.Values.Where(e => !liveInVault.Contains(e.KeyId)))
            {
                Keys.ApiKey? key = null;
                try
                {
                    key = ops.Store.Read(r => r.FindKey(entry.KeyId));
                }
                catch (Errors.KeyAdminException e) when (e.Error == Errors.KeyAdminError.StoreTampered)
                {
                }

                yield return new ComplianceFinding(ComplianceRule.VaultEntryOrphaned, ComplianceSeverity.Medium, key?.AccountName ?? "(unknown)", entry.KeyId, key?.Name,
                    $"Vault '{vault!.Name}' entry '{entry.SecretName}' holds key {entry.KeyId}, which is {(key is null ? "gone" : key.StatusAt(now).ToString().ToLowerInvariant())}: remove the stale credential.", null);
            }
        }
    }

    private static ComplianceFinding Tampered(string table, string id, string problem) => new(
        ComplianceRule.StoreTampered,
        ComplianceSeverity.High,
        table == Storage.Tables.Accounts ? id : "(store)",
        table == Storage.Tables.Keys ? id : null,
        null,
        $"The store's {table} row '{id}' fails its integrity check and is refused: {problem}",
        null);
}
