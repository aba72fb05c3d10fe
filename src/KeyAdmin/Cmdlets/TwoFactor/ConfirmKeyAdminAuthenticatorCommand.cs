using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Activates a pending authenticator enrolment with a code from the new authenticator.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Confirm, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class ConfirmKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1)]
    public string Code { get; set; } = string.Empty;

    /// <summary>The pending authenticator to confirm, when an account has more than one.</summary>
    [Parameter]
    [Alias("Authenticator")]
    [ArgumentCompleter(typeof(Completion.AuthenticatorNameCompleter))]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => PerItem(Account, () =>
    {
        if (ShouldChange(Account, "Confirm authenticator enrolment"))
        {
            var confirmed = Authority.Authenticators.Confirm(Account, Name, ProofFrom(Code));
            WriteVerbose($"Authenticator '{confirmed.Name}' of account '{Account}' is active.");
            if (PassThru)
            {
                WriteObject(new AuthenticatorInfo(Account, confirmed));
            }
        }
    });
}
