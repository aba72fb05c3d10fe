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
    protected override void ProcessRecord()
    {
        var progress = new ProgressRecord(1, "Test-ApiKeyAuditLog", "Checking the audit chain");
        var report = Terminating(() => Authority.Audit.Verify(count =>
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
                $"The audit chain is broken at record {report.FirstBrokenSequence}: {report.Problem}",
                report.FirstBrokenSequence)));
        }
    }
}
