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

    /// <summary>
    /// True when the binding keeps a key to known networks, as R6 asks of Transfer and Withdraw: at least one rule,
    /// and none wider than the policy's minimum prefix. A binding with 0.0.0.0/0, ::/0 or a /8 in it still limits
    /// the key to what it says (R5), but that is (nearly) anywhere, so it does not count as bound.
    /// </summary>
    public static bool Binds(IReadOnlyList<IpRule> rules, int minPrefixV4, int minPrefixV6) =>
        rules.Count > 0 && rules.All(r => r.PrefixLength >= (r.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? minPrefixV4 : minPrefixV6));

    /// <summary><see cref="Binds(IReadOnlyList{IpRule}, int, int)"/> with the store's policy.</summary>
    public static bool Binds(IReadOnlyList<IpRule> rules, Policy.KeyAdminPolicy policy) => Binds(rules, policy.MinBindingPrefixV4, policy.MinBindingPrefixV6);

    public static string Serialize(IReadOnlyList<IpRule> rules) => string.Join(",", rules);

    public static IReadOnlyList<IpRule> Deserialize(string? text) =>
        string.IsNullOrEmpty(text) ? Array.Empty<IpRule>() : text.Split(',').Select(IpRule.Parse).ToArray();
}
