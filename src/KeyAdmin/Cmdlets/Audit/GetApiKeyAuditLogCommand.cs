using System.Management.Automation;
using KeyAdmin.Core.Audit;

namespace KeyAdmin.Cmdlets.Audit;

/// <summary>
/// <para type="synopsis">Streams audit records, newest first (or -Oldest first), ready for Export-Csv, ConvertTo-Json or a SIEM.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ApiKeyAuditLog")]
[OutputType(typeof(AuditEntry))]
public sealed class GetApiKeyAuditLogCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string? Account { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.KeyIdCompleter))]
    public string? KeyId { get; set; }

    /// <summary>Actions such as ApiKey.Create, TwoFactor.LockedOut or Verification.Refused; wildcards allowed (ApiKey.*).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Action { get; set; }

    [Parameter]
    public AuditOutcome? Outcome { get; set; }

    [Parameter]
    public DateTimeOffset? Since { get; set; }

    [Parameter]
    public DateTimeOffset? Until { get; set; }

    /// <summary>Only the last N matching records.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>Oldest first instead of newest first.</summary>
    [Parameter]
    public SwitchParameter Oldest { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = Action?.Select(a => new WildcardPattern(a, WildcardOptions.IgnoreCase)).ToArray();
        // -Last with -Oldest: the last N records, still written oldest first.
        var query = new AuditQuery
        {
            Account = Account,
            KeyId = KeyId,
            Outcome = Outcome,
            Since = Since,
            Until = Until,
            NewestFirst = !Oldest || Last is not null,
            Limit = patterns is null ? Last : null,
        };

        Terminating(() =>
        {
            var matching = Authority.Audit.Read(query).Where(e => patterns is null || patterns.Any(p => p.IsMatch(e.Action)));
            if (Last is { } last)
            {
                matching = matching.Take(last);
                if (Oldest)
                {
                    matching = matching.Reverse();
                }
            }

            foreach (var entry in matching)
            {
                WriteObject(entry);
            }

            return true;
        });
    }
}
