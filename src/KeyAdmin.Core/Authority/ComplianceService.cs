using KeyAdmin.Core.Compliance;

namespace KeyAdmin.Core.Authority;

/// <summary>Runs the compliance rules over the whole store, streaming keys so that memory stays flat.</summary>
public sealed class ComplianceService
{
    private readonly Operations ops;
    private readonly AccountService accounts;

    internal ComplianceService(Operations ops, AccountService accounts)
    {
        this.ops = ops;
        this.accounts = accounts;
    }

    /// <summary>Findings, account rules first, then key by key; <paramref name="progress"/> hears the count of keys examined.</summary>
    public IEnumerable<ComplianceFinding> Review(ComplianceOptions options, string? accountName = null, Action<long>? progress = null)
    {
        options.Validate();
        var now = ops.Now;
        var summaries = accounts.List()
            .Where(a => accountName is null || string.Equals(a.Account.Name, accountName, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (accountName is not null && summaries.Count == 0)
        {
            throw new Errors.KeyAdminException(Errors.KeyAdminError.AccountNotFound, $"There is no account named '{accountName}'.", accountName);
        }

        foreach (var finding in summaries.SelectMany(a => ComplianceReview.ForAccount(a, options)))
        {
            yield return finding;
        }

        long examined = 0;
        var keys = ops.Store.StreamKeys(new Storage.KeyQuery { AccountId = accountName is null ? null : summaries[0].Account.AccountId });
        foreach (var key in keys)
        {
            progress?.Invoke(++examined);
            foreach (var finding in ComplianceReview.ForKey(key, now, options))
            {
                yield return finding;
            }
        }
    }
}
