using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// <para type="synopsis">Disables API keys: verification refuses them from the next request on (R9).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "ApiKey", DefaultParameterSetName = ById, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ApiKeyInfo))]
public sealed class DisableApiKeyCommand : ApiKeyTargetCmdlet
{
    [Parameter]
    public string? Reason { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEachTarget(key =>
    {
        if (ShouldChange(Describe(key), "Disable API key"))
        {
            var disabled = Authority.Keys.Disable(key.KeyId, Reason);
            if (PassThru)
            {
                WriteObject(Info(disabled));
            }
        }
    });
}
