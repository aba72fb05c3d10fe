using System.Management.Automation;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// <para type="synopsis">Changes a key's name, memo or IP binding. Permissions never change (R3).</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "ApiKey", DefaultParameterSetName = ById, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ApiKeyInfo))]
public sealed class SetApiKeyCommand : ApiKeyTargetCmdlet
{
    private TwoFactorProof? proof;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? NewName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Memo { get; set; }

    /// <summary>Replaces the whole binding; an empty array unbinds the key.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyCollection]
    public string[]? IpAddress { get; set; }

    [Parameter]
    public string[]? AddIpAddress { get; set; }

    [Parameter]
    public string[]? RemoveIpAddress { get; set; }

    [Parameter]
    public SwitchParameter AllowUnboundSensitive { get; set; }

    /// <summary>
    /// Always refused with KeyAdmin.PermissionsImmutable: permissions are fixed at creation (R3). The parameter
    /// exists so that a script that tries gets that answer rather than a parameter-binding error.
    /// </summary>
    [Parameter]
    public ApiKeyPermission[]? Permission { get; set; }

    /// <summary>Needed when the IP binding changes.</summary>
    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (Permission is not null)
        {
            ThrowTerminatingError(ErrorMap.ToErrorRecord(new KeyAdminException(
                KeyAdminError.PermissionsImmutable,
                "A key's permissions are fixed at creation (R3); create a new key with New-ApiKey and retire this one.",
                string.Join(",", Permission))));
        }

        proof = ProofFrom(Code);
    }

    protected override void ProcessRecord()
    {
        var changes = new KeyChanges
        {
            NewName = NewName,
            Memo = Memo,
            IpAddresses = IpAddress,
            AddIpAddresses = AddIpAddress,
            RemoveIpAddresses = RemoveIpAddress,
            AllowUnboundSensitive = AllowUnboundSensitive,
        };

        ForEachTarget(key =>
        {
            if (!ShouldChange(Describe(key), Action(changes)))
            {
                return;
            }

            var updated = Authority.Keys.Update(key.KeyId, changes, proof!);
            if (PassThru)
            {
                WriteObject(Info(updated));
            }
        });
    }

    private static string Action(KeyChanges changes)
    {
        var parts = new List<string>();
        if (changes.NewName is not null)
        {
            parts.Add($"rename to '{changes.NewName}'");
        }

        if (changes.Memo is not null)
        {
            parts.Add("set memo");
        }

        if (changes.IpAddresses is not null)
        {
            parts.Add(changes.IpAddresses.Count == 0 ? "remove the IP binding" : $"bind to {string.Join(", ", changes.IpAddresses)}");
        }

        if (changes.AddIpAddresses is not null)
        {
            parts.Add($"add {string.Join(", ", changes.AddIpAddresses)}");
        }

        if (changes.RemoveIpAddresses is not null)
        {
            parts.Add($"remove {string.Join(", ", changes.RemoveIpAddresses)}");
        }

        return parts.Count == 0 ? "Change nothing" : "Set API key: " + string.Join("; ", parts);
    }
}
