using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Cmdlets.Verification;

/// <summary>
/// <para type="synopsis">Signs a request the way a client of the API does, and returns the headers to send.</para>
/// </summary>
/// <remarks>
/// The credential is the one delivered at creation: user name = key id, password = secret; a key with a
/// passphrase signs with KuCoin's scheme, its passphrase given with -Passphrase or read from the vault entry
/// (-Entry), which holds all three.
/// </remarks>
[Cmdlet(VerbsCommon.New, "ApiKeySignature", DefaultParameterSetName = ByCredential)]
[OutputType(typeof(Hashtable))]
public sealed class NewApiKeySignatureCommand : PSCmdlet
{
    private const string ByCredential = "Credential";
    private const string ByEntry = "Entry";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByCredential)]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>The vault entry of a key with a passphrase, as Get-Secret returns it: @{ KeyId; Secret; Passphrase }.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByEntry)]
    [ValidateNotNull]
    public Hashtable Entry { get; set; } = new();

    /// <summary>KeyAdmin (KA-API-* headers) or KuCoin (the five KC-API-* headers); KuCoin when a passphrase is given.</summary>
    [Parameter]
    public SigningScheme? Scheme { get; set; }

    /// <summary>The key's passphrase, for KuCoin's scheme.</summary>
    [Parameter(ParameterSetName = ByCredential)]
    public SecureString? Passphrase { get; set; }

    /// <summary>KC-API-KEY-VERSION: 2 or 3 (default). Version 1 would put the passphrase itself in a header, so it is not offered.</summary>
    [Parameter]
    [ValidateSet("2", "3")]
    public string KeyVersion { get; set; } = "3";

    [Parameter(Mandatory = true)]
    [ValidateSet("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")]
    public string Method { get; set; } = "GET";

    /// <summary>The path with its query string, exactly as it will be sent (for example /api/v1/orders?symbol=BTC-USDT).</summary>
    [Parameter(Mandatory = true)]
    [ValidatePattern("^/")]
    public string Path { get; set; } = "/";

    /// <summary>The body exactly as it will be sent (UTF-8); empty for none.</summary>
    [Parameter]
    [AllowEmptyString]
    public string Body { get; set; } = string.Empty;

    /// <summary>The time to sign for; now by default.</summary>
    [Parameter]
    public DateTimeOffset? Timestamp { get; set; }

    protected override void ProcessRecord()
    {
        var (keyId, secretText, passphraseText) = ParameterSetName == ByEntry ? FromEntry() : (Credential.UserName, Credential.Password, Passphrase);
        var scheme = Scheme ?? (passphraseText is null ? SigningScheme.KeyAdmin : SigningScheme.KuCoin);
        if (scheme == SigningScheme.KuCoin && passphraseText is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new PSArgumentException("KuCoin's scheme signs with the key's passphrase: pass -Passphrase, or the vault entry with -Entry."),
                "KeyAdmin.PassphraseRequired",
                ErrorCategory.InvalidArgument,
                keyId));
        }

        var timestamp = (Timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var secret = Encoding.ASCII.GetBytes(SecureText.ToPlain(secretText));
        var passphrase = passphraseText is null ? null : Encoding.ASCII.GetBytes(SecureText.ToPlain(passphraseText));
        try
        {
            var signature = RequestSigner.Sign(secret, timestamp, Method, Path, Encoding.UTF8.GetBytes(Body));
            WriteObject(scheme == SigningScheme.KeyAdmin
                ? new Hashtable
                {
                    [RequestSigner.KeyHeader] = keyId,
                    [RequestSigner.TimestampHeader] = timestamp,
                    [RequestSigner.SignatureHeader] = signature,
                }
                : new Hashtable
                {
                    [KuCoinSigning.KeyHeader] = keyId,
                    [KuCoinSigning.TimestampHeader] = timestamp,
                    [KuCoinSigning.SignatureHeader] = signature,
                    [KuCoinSigning.PassphraseHeader] = KuCoinSigning.SignPassphrase(secret, passphrase),
                    [KuCoinSigning.KeyVersionHeader] = KeyVersion,
                });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            if (passphrase is not null)
            {
                CryptographicOperations.ZeroMemory(passphrase);
            }
        }
    }

    private (string KeyId, SecureString Secret, SecureString? Passphrase) FromEntry()
    {
        if (Entry["KeyId"] is string keyId && Entry["Secret"] is SecureString secret)
        {
            return (keyId, secret, Entry["Passphrase"] as SecureString);
        }

        var error = new ErrorRecord(
            new PSArgumentException("The entry must hold KeyId (a string) and Secret (a SecureString), as Get-Secret returns a KeyAdmin vault entry without -AsPlainText."),
            "KeyAdmin.InvalidVaultEntry",
            ErrorCategory.InvalidArgument,
            null);
        ThrowTerminatingError(error);
        throw error.Exception; // ThrowTerminatingError does not return; the compiler does not know it.
    }
}
