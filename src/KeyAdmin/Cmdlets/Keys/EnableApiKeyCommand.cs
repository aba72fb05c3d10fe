using System.Management.Automation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// <para type="synopsis">Re-enables disabled API keys; needs the account's authenticator code (R9).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "ApiKey", DefaultParameterSetName = ById, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ApiKeyInfo))]
public sealed class EnableApiKeyCommand : ApiKeyTargetCmdlet
{
    private TwoFactorProof? proof;

    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing() => proof = ProofFrom(Code);

    protected override void ProcessRecord() => ForEachTarget(key =>
    {
        if (ShouldChange(Describe(key), "Enable API key"))
        {
            var enabled = Authority.Keys.Enable(key.KeyId, proof!);
            if (PassThru)
            {
                WriteObject(Info(enabled));
            }
        }
    });
}
