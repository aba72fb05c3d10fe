using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Stores;

/// <summary>
/// <para type="synopsis">Shows which store this session uses, why, and where its key-encryption key is.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KeyAdminStore")]
[OutputType(typeof(KeyAdminStoreInfo))]
public sealed class GetKeyAdminStoreCommand : KeyAdminCmdlet
{
    protected override void ProcessRecord()
    {
        // Reports without creating: looking at the store is not its first use. A PostgreSQL location carries no password.
        var (target, source) = Terminating(() => Session.Resolve());
        var open = Session.Current;
        WriteObject(new KeyAdminStoreInfo(
            open?.Store.Description.Engine ?? target.Engine,
            target.Location,
            source,
            open?.Store.Description.KeyEncryptionKey ?? target.KeyDescription ?? "(none: pass -KeyFile or set $env:KEYADMIN_KEY_FILE)",
            open is not null || target.Exists(),
            open?.Store.Description.SchemaVersion));
    }
}
