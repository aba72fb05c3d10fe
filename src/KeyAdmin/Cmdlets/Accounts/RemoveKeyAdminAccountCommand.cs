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

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            PerItem(name, () =>
            {
                if (ShouldProcess(name, "Remove KeyAdmin account"))
                {
                    Authority.Accounts.Remove(name);
                }
            });
        }
    }
}
