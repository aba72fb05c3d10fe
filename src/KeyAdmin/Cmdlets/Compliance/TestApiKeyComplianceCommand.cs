using System.Management.Automation;
using KeyAdmin.Core.Compliance;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Cmdlets.Compliance;

/// <summary>
/// <para type="synopsis">Reviews every key and account against the compliance rules and returns one finding per problem.</para>
/// </summary>
/// <remarks>
/// For schedulers: -FailOn High (or Medium, Low) ends with a terminating error after every finding has been
/// written, so `pwsh -File audit.ps1` exits non-zero. Keys are streamed: memory stays flat on large stores.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "ApiKeyCompliance")]
[OutputType(typeof(ComplianceFinding))]
public sealed class TestApiKeyComplianceCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string? Account { get; set; }

    /// <summary>Only these rules; all by default.</summary>
    [Parameter]
    public ComplianceRule[]? Rule { get; set; }

    [Parameter]
    [ValidateRange(0, 36500)]
    public int UnusedDays { get; set; } = 90;

    [Parameter]
    [ValidateRange(0, 36500)]
    public int RotationAgeDays { get; set; } = 90;

    [Parameter]
    [ValidateRange(0, 36500)]
    public int ExpiringWithinDays { get; set; } = 14;

    /// <summary>How long a key may stay disabled or expired before it should be deleted.</summary>
    [Parameter]
    [ValidateRange(0, 36500)]
    public int NotDeletedDays { get; set; } = 30;

    /// <summary>Also check this SecretManagement vault: keys whose entry is gone, entries whose key is gone.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.VaultCompleter))]
    public string? Vault { get; set; }

    /// <summary>End with a terminating error (KeyAdmin.ComplianceFailed) when any finding is this severe or worse.</summary>
    [Parameter]
    public ComplianceSeverity? FailOn { get; set; }

    private int failing;
    private ComplianceSeverity? worst;

    protected override void ProcessRecord()
    {
        var options = new ComplianceOptions
        {
            UnusedDays = UnusedDays,
            RotationAgeDays = RotationAgeDays,
            ExpiringWithinDays = ExpiringWithinDays,
            NotDeletedDays = NotDeletedDays,
            Rules = Rule?.ToHashSet(),
        };
        var progress = new ProgressRecord(1, "Test-ApiKeyCompliance", "Reviewing keys");
        PerItem(Account, () =>
        {
            var vault = Vault is null ? null : Vaults.SecretManagementVault.Open(Vault);
            foreach (var finding in Authority.Compliance.Review(options, Account, vault: vault, progress: examined =>
            {
                if (examined % 1000 == 0)
                {
                    progress.StatusDescription = $"{examined} keys reviewed";
                    WriteProgress(progress);
                }
            }))
            {
                if (FailOn is { } threshold && finding.Severity >= threshold)
                {
                    failing++;
                }

                worst = worst is null || finding.Severity > worst ? finding.Severity : worst;
                WriteObject(finding);
            }
        });
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    protected override void EndProcessing()
    {
        if (failing > 0)
        {
            ThrowTerminatingError(ErrorMap.ToErrorRecord(new KeyAdminException(
                KeyAdminError.ComplianceFailed,
                $"{failing} finding(s) of severity {FailOn} or worse (the worst is {worst}).",
                FailOn.ToString())));
        }
    }
}
