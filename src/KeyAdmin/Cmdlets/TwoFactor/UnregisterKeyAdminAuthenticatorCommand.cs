using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Revokes an authenticator at once (its seed is destroyed); the person's own authenticator needs its code.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "KeyAdminAuthenticator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class UnregisterKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.AuthenticatorNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>A code of the person's authenticator, to unregister it; an automation authenticator needs none.</summary>
    [Parameter]
    public string? Code { get; set; }

    protected override void ProcessRecord() => PerItem($"{Account}/{Name}", () =>
    {
        if (ShouldChange($"{Account}/{Name}", "Revoke authenticator"))
        {
            Authority.Authenticators.Revoke(Account, Name, ProofFrom(Code));
        }
    });
}
