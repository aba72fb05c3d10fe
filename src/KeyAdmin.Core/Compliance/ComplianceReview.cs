using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Core.Compliance;

/// <summary>
/// The rules as pure functions of (now, key or account, options): what a scheduled audit reports. A threshold
/// of N days is met at exactly N days (90 days unused is reported; 89 is not).
/// </summary>
public static class ComplianceReview
{
    public static IEnumerable<ComplianceFinding> ForKey(ApiKey key, DateTimeOffset now, ComplianceOptions options)
    {
        var status = key.StatusAt(now);
        if (status == ApiKeyStatus.Enabled)
        {
            foreach (var finding in ForUsableKey(key, now, options))
            {
                yield return finding;
            }
        }

        if (options.Runs(ComplianceRule.NotDeleted) && status is ApiKeyStatus.Disabled or ApiKeyStatus.Expired)
        {
            var since = status == ApiKeyStatus.Disabled ? key.DisabledAt ?? key.CreatedAt : key.ExpiresAt!.Value;
            if (now - since >= TimeSpan.FromDays(options.NotDeletedDays))
            {
                yield return Finding(ComplianceRule.NotDeleted, ComplianceSeverity.Low, key,
                    $"Key '{key.Name}' has been {status.ToString().ToLowerInvariant()} for {(now - since).Days} days and is not deleted.", since);
            }
        }
    }

    public static IEnumerable<ComplianceFinding> ForAccount(AccountSummary account, DateTimeOffset now, ComplianceOptions options)
    {
        if (options.Runs(ComplianceRule.RecoveryPending) && account.Account.IsRecoveringAt(now))
        {
            var who = account.Account.Describe();
            var cancel = account.Account.IsStoreAdministrator ? "-StoreAdministrator" : $"-Account {account.Account.Name}";
            yield return new ComplianceFinding(
                ComplianceRule.RecoveryPending,
                ComplianceSeverity.High,
                account.Account.Name,
                null,
                null,
                $"A reset of the authenticator of {who} cools off until {account.Account.RecoveryUntil:u}: if nobody meant to reset it, cancel it with " +
                $"Stop-KeyAdminAuthenticatorReset {cancel} -Code <code of the replaced authenticator>.",
                account.Account.RecoveryStartedAt);
        }

        if (options.Runs(ComplianceRule.AccountAtLimit) && account.KeyCount >= account.KeyLimit)
        {
            yield return new ComplianceFinding(
                ComplianceRule.AccountAtLimit,
                ComplianceSeverity.Low,
                account.Account.Name,
                null,
                null,
                $"Account '{account.Account.Name}' holds {account.KeyCount} of its {account.KeyLimit} keys: a rotation needs a free place.",
                null);
        }
    }

    private static IEnumerable<ComplianceFinding> ForUsableKey(ApiKey key, DateTimeOffset now, ComplianceOptions options)
    {
        if (!IpBinding.Binds(key.IpBinding, options.MinBindingPrefixV4, options.MinBindingPrefixV6))
        {
            var where = key.IpBinding.Count == 0
                ? "from any address"
                : $"from (nearly) anywhere: {IpBinding.Serialize(key.IpBinding)} holds a range wider than /{options.MinBindingPrefixV4} (IPv4) or /{options.MinBindingPrefixV6} (IPv6)";
            var (rule, severity, what) = key.Permissions.IsSensitive()
                ? (ComplianceRule.UnboundSensitive, ComplianceSeverity.High, (key.Permissions & ApiKeyPermissions.Sensitive).ToString())
                : key.Permissions.HasFlag(ApiKeyPermission.Trade)
                    ? (ComplianceRule.UnboundTrade, ComplianceSeverity.Medium, "Trade")
                    : (ComplianceRule.Unbound, ComplianceSeverity.Low, "Read");
            if (options.Runs(rule))
            {
                yield return Finding(rule, severity, key, $"Key '{key.Name}' grants {what} {where}: bind it with Set-ApiKey -IpAddress.", key.CreatedAt);
            }
        }

        var lastActivity = key.LastUsedAt ?? key.CreatedAt;
        if (options.Runs(ComplianceRule.Unused) && now - lastActivity >= TimeSpan.FromDays(options.UnusedDays))
        {
            yield return Finding(ComplianceRule.Unused, ComplianceSeverity.Medium, key,
                key.LastUsedAt is null
                    ? $"Key '{key.Name}' has never been used in the {(now - key.CreatedAt).Days} days since it was created."
                    : $"Key '{key.Name}' has not been used for {(now - lastActivity).Days} days.",
                lastActivity);
        }

        // A key retired by a rotation (RotatedTo set) works on only for its grace period and expires by itself:
        // it is neither due for another rotation nor a key whose successor someone still has to create.
        var retired = key.RotatedTo is not null;
        var rotationDue = key.CreatedAt.AddDays(options.RotationAgeDays);
        if (options.Runs(ComplianceRule.RotationDue) && !retired && now >= rotationDue)
        {
            yield return Finding(ComplianceRule.RotationDue, ComplianceSeverity.Medium, key,
                $"Key '{key.Name}' is {(now - key.CreatedAt).Days} days old; rotate it (the rotation age is {options.RotationAgeDays} days).", rotationDue);
        }

        if (options.Runs(ComplianceRule.ExpiringSoon) && !retired && key.ExpiresAt is { } expires && expires - now <= TimeSpan.FromDays(options.ExpiringWithinDays))
        {
            yield return Finding(ComplianceRule.ExpiringSoon, ComplianceSeverity.Low, key,
                $"Key '{key.Name}' expires on {expires:u}; create its successor before then.", expires.AddDays(-options.ExpiringWithinDays));
        }
    }

    private static ComplianceFinding Finding(ComplianceRule rule, ComplianceSeverity severity, ApiKey key, string message, DateTimeOffset? since) =>
        new(rule, severity, key.AccountName, key.KeyId, key.Name, message, since);
}
