using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Cancels a reset that is cooling off, with a code of the authenticator it was replacing.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "KeyAdminAuthenticatorReset", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class StopKeyAdminAuthenticatorResetCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SubjectParameters.Account)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>The store administrator's pending reset instead of an account's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public SwitchParameter StoreAdministrator { get; set; }

    /// <summary>A code of the authenticator the reset is replacing (the old phone).</summary>
    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var who = SubjectParameters.Describe(StoreAdministrator, Account);
        PerItem(who, () =>
        {
            if (ShouldProcess(who, "Cancel the pending reset of the person's authenticator"))
            {
                var subject = SubjectParameters.Of(StoreAdministrator, Account);
                var restored = Authority.Authenticators.CancelReset(subject, ProofFrom(Code));
                if (PassThru)
                {
                    WriteObject(new AuthenticatorInfo(subject, restored));
                }
            }
        });
    }
}
