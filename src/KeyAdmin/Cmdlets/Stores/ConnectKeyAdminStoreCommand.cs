using System.Management.Automation;
using KeyAdmin.Core.Storage;

namespace KeyAdmin.Cmdlets.Stores;

/// <summary>
/// <para type="synopsis">Chooses the store for this PowerShell session: an SQLite file, or a team's PostgreSQL
/// database; -Create creates a new one.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KeyAdminStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PathSet)]
[OutputType(typeof(KeyAdminStoreInfo))]
public sealed class ConnectKeyAdminStoreCommand : KeyAdminCmdlet
{
    private const string PathSet = "Path";
    private const string ConnectionStringSet = "ConnectionString";

    /// <summary>The SQLite database file. A missing file is created (owner-only) by -Create or by the first command that changes something, never by reading.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// A PostgreSQL connection string (Host=…;Database=…;Username=…;Password=… or postgresql://…), for example
    /// read from a vault with Get-Secret -AsPlainText. It is never shown or logged; Get-KeyAdminStore shows the
    /// host, port, database and user only.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ConnectionStringSet)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The key-encryption key file. For a file store, by default the store's path with ".kek"; for PostgreSQL the
    /// team's shared file, required unless $env:KEYADMIN_KEY_FILE names it (it never goes into the database).
    /// </summary>
    [Parameter]
    public string? KeyFile { get; set; }

    /// <summary>
    /// Keep the key-encryption key in this SecretManagement vault instead of a file (created there with a new
    /// store), so that a team or a service reads it from its vault. Not with -KeyFile.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.VaultCompleter))]
    public string? KeyVault { get; set; }

    /// <summary>The vault entry of the key-encryption key (default keyadmin-kek).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string KeySecretName { get; set; } = "keyadmin-kek";

    /// <summary>Creates the store (and its key-encryption key) now when it does not exist yet.</summary>
    [Parameter]
    public SwitchParameter Create { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var keyFile = KeyFile is null ? null : GetUnresolvedProviderPathFromPSPath(KeyFile);
        var target = Terminating(() => ParameterSetName == ConnectionStringSet
            ? StoreTarget.ForConnectionString(ConnectionString, keyFile)
            : StoreTarget.ForPath(GetUnresolvedProviderPathFromPSPath(Path), keyFile));
        if (KeyVault is not null && KeyFile is not null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException("Give the key-encryption key as -KeyFile or -KeyVault, not both."),
                "KeyAdmin.KeyFileAndKeyVault",
                ErrorCategory.InvalidArgument,
                KeyVault));
        }

        if (!ShouldChange(target.Location, "Use KeyAdmin store for this session"))
        {
            return;
        }

        if (KeyVault is not null)
        {
            target = Terminating(() => target.WithKeySource(new Vaults.VaultKeyEncryptionKeySource(Vaults.SecretManagementVault.Open(KeyVault), KeySecretName)));
        }

        var authority = Terminating(() => Session.Connect(target, Create));
        if (authority is null)
        {
            WriteWarning($"There is no KeyAdmin store at '{target.Location}' yet: commands that only read will say so, and the first enrolment (New-KeyAdminStoreAdministrator or New-KeyAdminAccount) creates it. Pass -Create to create it now.");
        }

        if (PassThru)
        {
            var d = authority?.Store.Description;
            WriteObject(d is null
                ? new KeyAdminStoreInfo(target.Engine, target.Location, "Connect-KeyAdminStore", target.KeyDescription ?? string.Empty, exists: false, null)
                : new KeyAdminStoreInfo(d.Engine, d.Location, "Connect-KeyAdminStore", d.KeyEncryptionKey, exists: true, d.SchemaVersion));
        }
    }
}
