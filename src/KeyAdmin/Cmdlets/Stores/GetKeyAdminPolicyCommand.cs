using System.Management.Automation;
using KeyAdmin.Core.Policy;

namespace KeyAdmin.Cmdlets.Stores;

/// <summary>
/// <para type="synopsis">Shows the store-wide policy: key limit per account and the code lockout rules.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KeyAdminPolicy")]
[OutputType(typeof(KeyAdminPolicy))]
public sealed class GetKeyAdminPolicyCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    protected override void ProcessRecord() => WriteObject(Terminating(() => Authority.Policy.Get()));
}
