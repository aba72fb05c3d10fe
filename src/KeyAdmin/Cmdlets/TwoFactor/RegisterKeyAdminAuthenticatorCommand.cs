using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Registers an automation authenticator for unattended jobs, confirmed by the primary authenticator.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KeyAdminEnrollment))]
public sealed class RegisterKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>A name for the job, such as rotation-job; it appears in the audit log as who confirmed.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>A code of the account's primary (person's) authenticator.</summary>
    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    protected override void ProcessRecord() => PerItem(Account, () =>
    {
        if (ShouldChange($"{Account}/{Name}", "Register automation authenticator"))
        {
            WriteWarning($"The seed of authenticator '{Name}' is shown only now: store it in the job's vault.");
            WriteObject(new KeyAdminEnrollment(Authority.Authenticators.Register(Account, Name, ProofFrom(Code)), AsPlainText));
        }
    });
}
