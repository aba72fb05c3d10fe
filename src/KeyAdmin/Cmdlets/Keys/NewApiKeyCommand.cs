using System.Management.Automation;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// <para type="synopsis">Creates an API key for an account; the secret is shown once.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "ApiKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(NewApiKeyResult), typeof(ApiKeyInfo))]
public sealed class NewApiKeyCommand : KeyAdminCmdlet
{
    private TwoFactorProof? proof;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Read is always included; Transfer and Withdraw need -IpAddress or -AllowUnboundSensitive.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ApiKeyPermission[] Permission { get; set; } = { ApiKeyPermission.Read };

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IpAddresses")]
    public string[] IpAddress { get; set; } = Array.Empty<string>();

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Memo { get; set; }

    [Parameter]
    [ValidateSet("Never", "30", "90", "180", "360")]
    public string ExpiresIn { get; set; } = "Never";

    [Parameter]
    public DateTimeOffset? ExpiresAt { get; set; }

    [Parameter]
    public SwitchParameter AllowUnboundSensitive { get; set; }

    /// <summary>
    /// KuCoin's passphrase (7 to 32 characters, no spaces): the key is then used with the KC-API-* headers, as
    /// KuCoin's client libraries sign. Sealed like the secret and never shown again; with -Vault it is delivered
    /// in the same entry as the key id and secret.
    /// </summary>
    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    /// <summary>The KC-API-KEY-VERSION values the key accepts (with -Passphrase): 2 and 3 by default; 1 sends the passphrase itself.</summary>
    [Parameter]
    [ValidateSet("1", "2", "3")]
    public string[]? KeyVersion { get; set; }

    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    /// <summary>Deliver the credential (user name = key id, password = secret) into this SecretManagement vault instead of outputting the secret.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.VaultCompleter))]
    public string? Vault { get; set; }

    /// <summary>The vault entry's name; by default keyadmin-&lt;account&gt;-&lt;name&gt;.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SecretName { get; set; }

    private bool warned;

    protected override void BeginProcessing() => proof = ProofFrom(Code).BeforeChange(WarnBeforeTheFirstSecret);

    /// <summary>
    /// Every message comes before the first key exists: a preference that stops at a message ($WarningPreference =
    /// 'Stop', -WarningAction Stop, -Debug) then stops the command before a secret is created, never after it with the
    /// secret's only copy lost. Keys delivered into a vault hand nothing over here.
    /// </summary>
    private void WarnBeforeTheFirstSecret()
    {
        if (warned || Vault is not null)
        {
            return;
        }

        WriteWarning("The secret of each key this command creates is handed over only once, in its output: store it (a lost secret means a new key).");
        if (AsPlainText)
        {
            Handover.WarnIfTranscribing(this, "A transcript is running: a secret output as plain text (-AsPlainText) is written to it whenever it is displayed; keep the SecureString, or deliver with -Vault.");
        }

        warned = true;
    }

    protected override void ProcessRecord()
    {
        var permissions = Permission.Aggregate(ApiKeyPermission.Read, (all, p) => all | p);
        var target = $"{Account}/{Name}";
        PerItem(target, () =>
        {
            if (!ShouldChange(target, $"Create API key{(Vault is null ? string.Empty : $" delivered to vault {Vault}")} with permissions {permissions}{(IpAddress.Length == 0 ? " bound to no address" : $" bound to {string.Join(", ", IpAddress)}")}"))
            {
                return;
            }

            var request = new NewKeyRequest
            {
                Account = Account,
                Name = Name,
                Permissions = permissions,
                IpAddresses = IpAddress,
                Memo = Memo,
                ExpiresInDays = ExpiresIn == "Never" ? null : int.Parse(ExpiresIn, System.Globalization.CultureInfo.InvariantCulture),
                ExpiresAt = ExpiresAt,
                AllowUnboundSensitive = AllowUnboundSensitive,
                Passphrase = Passphrase,
                KeyVersions = KeyVersion?.Aggregate(KuCoinKeyVersions.None, (all, v) => all | KuCoinKeyVersion.Of(int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))),
            };

            if (Vault is not null)
            {
                WriteVerbose($"Creating key '{Name}' of account '{Account}' and delivering it to vault '{Vault}'.");
                var delivered = Authority.Keys.CreateAndDeliver(request, proof!, Vaults.SecretManagementVault.Open(Vault), SecretName);
                WriteObject(new ApiKeyInfo(delivered.Key, DateTimeOffset.UtcNow));
                return;
            }

            // The warning comes from the proof, once the code is in hand and just before the first key is written.
            // After the change nothing is written but the object.
            var issued = Authority.Keys.Create(request, proof!);
            WriteObject(new NewApiKeyResult(issued, DateTimeOffset.UtcNow, AsPlainText));
        });
    }
}
