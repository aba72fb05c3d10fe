using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Replaces a lost authenticator: at once with a recovery code, otherwise after a cooling-off the old one can cancel; audited.</para>
/// </summary>
[Cmdlet(VerbsCommon.Reset, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(KeyAdminEnrollment))]
public sealed class ResetKeyAdminAuthenticatorCommand : SubjectCmdlet
{
    /// <summary>Why the authenticator is replaced; recorded in the audit log.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = string.Empty;

    /// <summary>One of the person's recovery codes: the reset takes effect at once instead of cooling off.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RecoveryCode { get; set; }

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Draws the new QR code on the host even when the session is not interactive.</summary>
    [Parameter]
    public SwitchParameter ShowQrCode { get; set; }

    protected override void BeginProcessing() => Handover.RequireHostThatDraws(this, ShowQrCode);

    protected override void ProcessRecord()
    {
        PerItem(Who, () =>
        {
            var what = RecoveryCode is null
                ? "Start a reset of the person's authenticator that cools off before the new one may confirm what takes the account over (pass -RecoveryCode to replace it at once)"
                : "Revoke the person's authenticator at once with a recovery code and start a new enrolment";
            if (!ShouldChange(Who, what))
            {
                return;
            }

            Handover.HandOver(
                this,
                ShowQrCode,
                () => Authority.Authenticators.Reset(Subject, Reason, RecoveryCode),
                Handover.DrawEnrolment,
                enrollment => new KeyAdminEnrollment(enrollment));
        });
    }
}
