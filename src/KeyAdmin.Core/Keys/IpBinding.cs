using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Keys;

/// <summary>The set of addresses a key may be used from (R5). Empty means anywhere.</summary>
public static class IpBinding
{
    public const int MaxRules = 20;

    /// <summary>Parses, de-duplicates and checks the size of a binding, keeping the caller's order.</summary>
    public static IReadOnlyList<IpRule> Build(IEnumerable<string> entries)
    {
        var rules = new List<IpRule>();
        foreach (var entry in entries)
        {
            var rule = IpRule.Parse(entry);
            if (!rules.Contains(rule))
            {
                rules.Add(rule);
            }
        }

        return Check(rules);
    }

    public static IReadOnlyList<IpRule> Check(IReadOnlyList<IpRule> rules)
    {
        if (rules.Count > MaxRules)
        {
            throw new KeyAdminException(
                KeyAdminError.TooManyIpAddresses,
                $"A key can be bound to at most {MaxRules} addresses or ranges; this binding has {rules.Count}.",
                rules.Count);
        }

        return rules;
    }

    public static string Serialize(IReadOnlyList<IpRule> rules) => string.Join(",", rules);

    public static IReadOnlyList<IpRule> Deserialize(string? text) =>
        string.IsNullOrEmpty(text) ? Array.Empty<IpRule>() : text.Split(',').Select(IpRule.Parse).ToArray();
}
