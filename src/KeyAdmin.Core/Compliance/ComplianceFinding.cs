namespace KeyAdmin.Core.Compliance;

/// <summary>One problem found: flat, so that it exports to CSV or JSON as it is.</summary>
public sealed record ComplianceFinding(
    ComplianceRule Rule,
    ComplianceSeverity Severity,
    string Account,
    string? KeyId,
    string? KeyName,
    string Message,
    DateTimeOffset? Since);
