using System.Management.Automation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// <para type="synopsis">Deletes disabled API keys for good; needs the account's authenticator code (R10).</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ApiKey", DefaultParameterSetName = ById, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveApiKeyCommand : ApiKeyTargetCmdlet
{
    private TwoFactorProof? proof;

    [Parameter]
    public string? Code { get; set; }

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void BeginProcessing() => proof = ProofFrom(Code);

    protected override void ProcessRecord() => ForEachTarget(key =>
    {
        if (ShouldChange(Describe(key), "Delete API key and destroy its secret (cannot be undone)"))
        {
            Authority.Keys.Remove(key.KeyId, proof!);
            WriteVerbose($"Deleted key {key.KeyId}; its secret material is destroyed.");
        }
    });
}
