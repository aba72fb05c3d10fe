using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Removes an account that holds no keys; its audit history stays.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KeyAdminAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveKeyAdminAccountCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Account")]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            PerItem(name, () =>
            {
                if (ShouldChange(name, "Remove KeyAdmin account"))
                {
                    Authority.Accounts.Remove(name);
                }
            });
        }
    }
}
