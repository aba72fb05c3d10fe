using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Cancels a reset that is cooling off, with a code of the authenticator it was replacing.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "KeyAdminAuthenticatorReset", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class StopKeyAdminAuthenticatorResetCommand : SubjectCmdlet
{
    /// <summary>A code of the authenticator the reset is replacing (the old phone).</summary>
    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        PerItem(Who, () =>
        {
            if (ShouldChange(Who, "Cancel the pending reset of the person's authenticator"))
            {
                var restored = Authority.Authenticators.CancelReset(Subject, ProofFrom(Code));
                if (PassThru)
                {
                    WriteObject(new AuthenticatorInfo(Subject, restored));
                }
            }
        });
    }
}
