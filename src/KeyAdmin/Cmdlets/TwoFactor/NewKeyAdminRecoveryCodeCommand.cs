using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Replaces a person's recovery codes with ten new ones, confirmed by the person's authenticator; shown once.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KeyAdminRecoveryCode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(KeyAdminRecoveryCodes))]
public sealed class NewKeyAdminRecoveryCodeCommand : SubjectCmdlet
{
    /// <summary>A code of the person's authenticator.</summary>
    [Parameter]
    public string? Code { get; set; }

    /// <summary>Draws the new codes on the host even when the session is not interactive.</summary>
    [Parameter]
    public SwitchParameter ShowRecoveryCodes { get; set; }

    protected override void BeginProcessing() => Handover.RequireHostThatDraws(this, ShowRecoveryCodes, nameof(ShowRecoveryCodes));

    protected override void ProcessRecord()
    {
        PerItem(Who, () =>
        {
            if (!ShouldChange(Who, "Replace the recovery codes with ten new ones"))
            {
                return;
            }

            Handover.HandOver(
                this,
                ShowRecoveryCodes,
                () => Authority.Authenticators.NewRecoveryCodes(Subject, ProofFrom(Code)),
                (cmdlet, codes) => Handover.DrawRecoveryCodes(cmdlet, Subject, codes),
                codes => new KeyAdminRecoveryCodes(Subject, codes, DateTimeOffset.UtcNow));
        });
    }
}
