using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Activates a pending enrolment with its own code, or a suspended automation authenticator with a person's code.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Confirm, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class ConfirmKeyAdminAuthenticatorCommand : SubjectCmdlet
{
    /// <summary>A code of the new authenticator; for a suspended automation authenticator, a code of the person's.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = SubjectParameters.Account)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public string Code { get; set; } = string.Empty;

    /// <summary>The pending enrolment, or the suspended automation authenticator, to confirm.</summary>
    [Parameter]
    [Alias("Authenticator")]
    [ArgumentCompleter(typeof(Completion.AuthenticatorNameCompleter))]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        PerItem(Who, () =>
        {
            if (ShouldChange(Who + (Name is null ? string.Empty : "/" + Name), "Confirm authenticator"))
            {
                var confirmed = Authority.Authenticators.Confirm(Subject, Name, ProofFrom(Code));
                WriteVerbose($"Authenticator '{confirmed.Name}' of {Who} is active.");
                if (PassThru)
                {
                    WriteObject(new AuthenticatorInfo(Subject, confirmed));
                }
            }
        });
    }
}
