namespace KeyAdmin;

/// <summary>
/// One compliance problem, flat and with its rule and severity as words, so that it goes to Export-Csv, a JSON
/// report or a SIEM as it is. Objects with its KeyId pipe into Disable-ApiKey, Get-ApiKey and Invoke-ApiKeyRotation.
/// </summary>
public sealed class ComplianceFinding
{
    internal ComplianceFinding(Core.Compliance.ComplianceFinding finding)
    {
        Rule = finding.Rule.ToString();
        Severity = finding.Severity.ToString();
        Account = finding.Account;
        KeyId = finding.KeyId;
        KeyName = finding.KeyName;
        Message = finding.Message;
        Since = finding.Since;
    }

    /// <summary>The rule, such as UnboundSensitive or RotationDue (Test-ApiKeyCompliance -Rule names them).</summary>
    public string Rule { get; }

    /// <summary>Low, Medium or High; [KeyAdmin.Core.Compliance.ComplianceSeverity]$_.Severity compares them.</summary>
    public string Severity { get; }

    public string Account { get; }

    public string? KeyId { get; }

    public string? KeyName { get; }

    public string Message { get; }

    public DateTimeOffset? Since { get; }

    public override string ToString() => $"{Severity} {Rule}: {Message}";
}
