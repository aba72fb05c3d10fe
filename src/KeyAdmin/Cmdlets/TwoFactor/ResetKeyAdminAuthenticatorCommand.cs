using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Re-enrols a lost primary authenticator: the old one stops at once; audited with the reason.</para>
/// </summary>
[Cmdlet(VerbsCommon.Reset, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(KeyAdminEnrollment))]
public sealed class ResetKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>Why the authenticator is replaced; recorded in the audit log.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => PerItem(Account, () =>
    {
        if (ShouldChange(Account, "Revoke the primary authenticator and start a new enrolment"))
        {
            WriteObject(new KeyAdminEnrollment(Authority.Authenticators.Reset(Account, Reason), AsPlainText));
        }
    });
}
