using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Creates an account, starts the enrolment of its authenticator and issues its recovery codes (shown once).</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KeyAdminAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KeyAdminEnrollment))]
public sealed class NewKeyAdminAccountCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Email { get; set; } = string.Empty;

    /// <summary>Draws the QR code and the recovery codes on the host even when the session is not interactive.</summary>
    [Parameter]
    public SwitchParameter ShowQrCode { get; set; }

    protected override void BeginProcessing() => Handover.RequireHostThatDraws(this, ShowQrCode);

    /// <summary>The first command of a new store: it creates the store where the session points.</summary>
    protected override bool CreatesStore => true;

    protected override void ProcessRecord() => PerItem(Name, () =>
    {
        if (ShouldChange(Name, "Create KeyAdmin account"))
        {
            Handover.HandOver(
                this,
                ShowQrCode,
                () => Authority.Accounts.Create(Name, Email),
                Handover.DrawEnrolment,
                enrollment => new KeyAdminEnrollment(enrollment));
        }
    });
}
