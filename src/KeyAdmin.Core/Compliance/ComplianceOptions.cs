using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Compliance;

/// <summary>The thresholds of a review, and which rules it runs.</summary>
public sealed record ComplianceOptions
{
    public int UnusedDays { get; init; } = 90;

    public int RotationAgeDays { get; init; } = 90;

    public int ExpiringWithinDays { get; init; } = 14;

    public int NotDeletedDays { get; init; } = 30;

    /// <summary>
    /// A binding counts as one only when none of its rules is wider than these prefixes (the store's policy, as
    /// R6 reads it): a key bound to 0.0.0.0/0, ::/0 or a /8 is reported as unbound.
    /// </summary>
    public int MinBindingPrefixV4 { get; init; } = Policy.KeyAdminPolicy.DefaultMinBindingPrefixV4;

    public int MinBindingPrefixV6 { get; init; } = Policy.KeyAdminPolicy.DefaultMinBindingPrefixV6;

    /// <summary>The rules to run; all when null or empty.</summary>
    public IReadOnlySet<ComplianceRule>? Rules { get; init; }

    public bool Runs(ComplianceRule rule) => Rules is null || Rules.Count == 0 || Rules.Contains(rule);

    public ComplianceOptions Validate()
    {
        foreach (var (name, days) in new[] { ("UnusedDays", UnusedDays), ("RotationAgeDays", RotationAgeDays), ("ExpiringWithinDays", ExpiringWithinDays), ("NotDeletedDays", NotDeletedDays) })
        {
            if (days is < 0 or > 36500)
            {
                throw new KeyAdminException(KeyAdminError.InvalidPolicy, $"{name} must be from 0 to 36500 days.", days);
            }
        }

        return this;
    }
}
