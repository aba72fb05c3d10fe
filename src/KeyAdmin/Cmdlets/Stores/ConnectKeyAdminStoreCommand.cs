using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Stores;

/// <summary>
/// <para type="synopsis">Chooses the store for this PowerShell session (created on first use).</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KeyAdminStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KeyAdminStoreInfo))]
public sealed class ConnectKeyAdminStoreCommand : KeyAdminCmdlet
{
    /// <summary>The SQLite database file; created with owner-only permissions when missing.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The key-encryption key file; by default the store's path with ".kek".</summary>
    [Parameter]
    public string? KeyFile { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        var keyFile = KeyFile is null ? null : GetUnresolvedProviderPathFromPSPath(KeyFile);
        if (!ShouldProcess(path, "Use KeyAdmin store for this session"))
        {
            return;
        }

        var authority = Terminating(() => Session.Connect(path, keyFile));
        if (PassThru)
        {
            var d = authority.Store.Description;
            WriteObject(new KeyAdminStoreInfo(d.Engine, d.Location, "Connect-KeyAdminStore", d.KeyEncryptionKey, exists: true, d.SchemaVersion));
        }
    }
}
