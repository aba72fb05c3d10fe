using System.Management.Automation;
using KeyAdmin.Core.Rotation;

namespace KeyAdmin.Cmdlets.Rotation;

/// <summary>
/// <para type="synopsis">Lists rotations from the journal, newest first; -Unfinished shows those a crash left behind.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ApiKeyRotation")]
[OutputType(typeof(RotationRecord))]
public sealed class GetApiKeyRotationCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string[]? RotationId { get; set; }

    [Parameter]
    public SwitchParameter Unfinished { get; set; }

    protected override void ProcessRecord()
    {
        if (RotationId is not null)
        {
            foreach (var id in RotationId)
            {
                PerItem(id, () => WriteObject(Authority.Rotations.Get(id)));
            }

            return;
        }

        WriteObject(Terminating(() => Authority.Rotations.List(Unfinished)), enumerateCollection: true);
    }
}
