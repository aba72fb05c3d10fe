using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Enrols the store administrator, whose authenticator confirms store-wide settings; once per store.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KeyAdminStoreAdministrator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KeyAdminEnrollment))]
public sealed class NewKeyAdminStoreAdministratorCommand : KeyAdminCmdlet
{
    /// <summary>Who to reach about the store: a person or a team's address.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Email { get; set; } = string.Empty;

    /// <summary>Draws the QR code and the recovery codes on the host even when the session is not interactive.</summary>
    [Parameter]
    public SwitchParameter ShowQrCode { get; set; }

    protected override void BeginProcessing() => Handover.RequireHostThatDraws(this, ShowQrCode);

    /// <summary>The first command of a new store: it creates the store where the session points.</summary>
    protected override bool CreatesStore => true;

    protected override void ProcessRecord()
    {
        if (!ShouldChange(Email, "Enrol the store administrator of this store"))
        {
            return;
        }

        Handover.HandOver(
            this,
            ShowQrCode,
            () => Terminating(() => Authority.StoreAdministrator.Enrol(Email)),
            Handover.DrawEnrolment,
            enrollment => new KeyAdminEnrollment(enrollment));
    }
}
