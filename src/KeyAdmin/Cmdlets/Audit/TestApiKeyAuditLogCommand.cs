using System.Management.Automation;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Cmdlets.Audit;

/// <summary>
/// <para type="synopsis">Proves the audit chain intact, or names the first broken record and what is wrong with it.</para>
/// </summary>
/// <remarks>
/// Always returns the report. A broken chain is also a non-terminating error (KeyAdmin.AuditChainBroken), so a
/// scheduled script with -ErrorAction Stop fails on it.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "ApiKeyAuditLog")]
[OutputType(typeof(KeyAdmin.AuditChainReport))]
public sealed class TestApiKeyAuditLogCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    /// <summary>
    /// <para type="description">A head reported earlier (the report's Head, "sequence,hash"), kept outside the store: the chain must still contain it.</para>
    /// </summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? ExpectedHead { get; set; }

    protected override void ProcessRecord()
    {
        var expected = ExpectedHead is null ? null : Terminating(() => PinnedAuditHead.Parse(ExpectedHead));
        var progress = new ProgressRecord(1, "Test-ApiKeyAuditLog", "Checking the audit chain");
        var report = Terminating(() => Authority.Audit.Verify(expected, count =>
        {
            if (count % 5000 == 0)
            {
                progress.StatusDescription = $"{count} records checked";
                WriteProgress(progress);
            }
        }));
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        WriteObject(new KeyAdmin.AuditChainReport(report));
        if (!report.IsIntact)
        {
            WriteError(ErrorMap.ToErrorRecord(new KeyAdminException(
                KeyAdminError.AuditChainBroken,
                report.FirstBrokenSequence is { } at ? $"The audit chain is broken at record {at}: {report.Problem}" : $"The audit chain cannot be trusted: {report.Problem}",
                report.FirstBrokenSequence)));
        }
    }
}
