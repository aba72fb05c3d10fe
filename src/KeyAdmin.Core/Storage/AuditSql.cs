using KeyAdmin.Core.Audit;

namespace KeyAdmin.Core.Storage;

/// <summary>The SELECT both engines run for an <see cref="AuditQuery"/>, so a new filter is added once.</summary>
internal static class AuditSql
{
    /// <summary>The query with <c>@name</c> placeholders, which both engines accept, and its parameters.</summary>
    public static (string Sql, (string Name, object? Value)[] Parameters) Select(AuditQuery query)
    {
        var sql = $"SELECT {StoreRows.AuditColumns} FROM audit WHERE seq > @after";
        var parameters = new List<(string, object?)> { ("after", query.AfterSequence) };
        void Filter(string condition, string name, object? value)
        {
            sql += " AND " + condition;
            parameters.Add((name, value));
        }

        if (query.AccountId is not null)
        {
            Filter("(account_id = @accountId OR (account_id IS NULL AND lower(account) = lower(@account) AND at >= @accountCreated))", "accountId", query.AccountId);
            parameters.Add(("account", query.Account));
            parameters.Add(("accountCreated", StoreRows.Time(query.AccountCreatedAt) ?? 0L));
        }
        else if (query.Account is not null)
        {
            Filter("lower(account) = lower(@account)", "account", query.Account);
        }

        if (query.KeyId is not null)
        {
            Filter("key_id = @key", "key", query.KeyId);
        }

        if (query.Outcome is { } outcome)
        {
            Filter("outcome = @outcome", "outcome", outcome.ToString());
        }

        if (query.Since is { } since)
        {
            Filter("at >= @since", "since", StoreRows.Time(since));
        }

        if (query.Until is { } until)
        {
            Filter("at <= @until", "until", StoreRows.Time(until));
        }

        sql += query.NewestFirst ? " ORDER BY seq DESC" : " ORDER BY seq";
        if (query.Limit is { } limit)
        {
            sql += " LIMIT @limit";
            parameters.Add(("limit", limit));
        }

        return (sql, parameters.ToArray());
    }
}
