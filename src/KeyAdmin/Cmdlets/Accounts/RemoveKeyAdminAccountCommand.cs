using System.Management.Automation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Removes an account that holds no keys, confirmed by its authenticator; its audit history stays under its id.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KeyAdminAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveKeyAdminAccountCommand : KeyAdminCmdlet
{
    private TwoFactorProof? proof;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Account")]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>A code of the account's own (person's) authenticator.</summary>
    [Parameter]
    public string? Code { get; set; }

    protected override void BeginProcessing() => proof = ProofFrom(Code);

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            PerItem(name, () =>
            {
                if (ShouldChange(name, "Remove KeyAdmin account"))
                {
                    Authority.Accounts.Remove(name, proof!);
                }
            });
        }
    }
}
