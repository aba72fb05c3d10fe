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
        // Reports without creating: looking at the store is not its first use.
        var (path, source) = Session.ResolvePath();
        var open = Session.Current;
        WriteObject(new KeyAdminStoreInfo(
            open?.Store.Description.Engine ?? "SQLite",
            System.IO.Path.GetFullPath(path),
            source,
            open?.Store.Description.KeyEncryptionKey ?? Session.ResolveKeyFile(System.IO.Path.GetFullPath(path)),
            File.Exists(path),
            open?.Store.Description.SchemaVersion));
    }
}
