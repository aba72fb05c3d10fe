using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Activates a pending enrolment with its own code, or a suspended automation authenticator with a person's code.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Confirm, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class ConfirmKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SubjectParameters.Account)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>The store administrator's enrolment instead of an account's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public SwitchParameter StoreAdministrator { get; set; }

    /// <summary>A code of the new authenticator; for a suspended automation authenticator, a code of the person's.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = SubjectParameters.Account)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public string Code { get; set; } = string.Empty;

    /// <summary>The pending enrolment, or the suspended automation authenticator, to confirm.</summary>
    [Parameter]
    [Alias("Authenticator")]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var subject = SubjectParameters.Of(StoreAdministrator, Account);
        PerItem(SubjectParameters.Describe(StoreAdministrator, Account), () =>
        {
            if (ShouldProcess(SubjectParameters.Describe(StoreAdministrator, Account) + (Name is null ? string.Empty : "/" + Name), "Confirm authenticator"))
            {
                var confirmed = Authority.Authenticators.Confirm(subject, Name, ProofFrom(Code));
                WriteVerbose($"Authenticator '{confirmed.Name}' of {SubjectParameters.Describe(StoreAdministrator, Account)} is active.");
                if (PassThru)
                {
                    WriteObject(new AuthenticatorInfo(subject, confirmed));
                }
            }
        });
    }
}
