using System.Management.Automation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Registers an automation authenticator with a narrow scope for an unattended job, confirmed by the person's authenticator.</para>
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

    /// <summary>What the job may confirm on keys of its account (default CreateKey, RotateKey, DisableKey).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public AutomationScope[] Scope { get; set; } = { AutomationScope.CreateKey, AutomationScope.RotateKey, AutomationScope.DisableKey };

    /// <summary>A code of the account's primary (person's) authenticator.</summary>
    [Parameter]
    public string? Code { get; set; }

    protected override void ProcessRecord() => PerItem(Account, () =>
    {
        var scope = Scope.Aggregate(AutomationScope.None, (all, s) => all | s);
        if (ShouldChange($"{Account}/{Name}", $"Register automation authenticator with scope {scope}"))
        {
            // Once the code is in hand, before the change: a preference that stops at this warning stops the command
            // before a seed exists.
            var proof = ProofFrom(Code).BeforeChange(() =>
                WriteWarning($"The seed of authenticator '{Name}' is handed over only once, in this command's output: store it in the job's vault."));
            WriteObject(new KeyAdminEnrollment(Authority.Authenticators.Register(Account, Name, proof, scope)));
        }
    });
}
