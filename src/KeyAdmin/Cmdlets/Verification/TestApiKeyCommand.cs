using System.Management.Automation;
using System.Text;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Cmdlets.Verification;

/// <summary>
/// <para type="synopsis">Verifies a signed request as a service would, and returns accepted or the precise refusal.</para>
/// </summary>
/// <remarks>
/// Takes the request from parameters or from pipeline objects with the same property names (for example lines
/// of a proxy log). The session keeps one verifier over the store, whose replay memory every verifier of the
/// store shares, so a request accepted once (here, in another session or by a service) is Replayed here.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "ApiKey", DefaultParameterSetName = RequestSet)]
[OutputType(typeof(KeyAdmin.VerificationResult))]
public sealed class TestApiKeyCommand : KeyAdminCmdlet
{
    // Rows of a proxy log bind the request set (the default) by property name; a credential is given by name.
    private const string RequestSet = "Request";
    private const string CredentialSet = "Credential";

    /// <summary>KeyAdmin (KA-API-* headers) or KuCoin (KC-API-*, with -Passphrase and -KeyVersion).</summary>
    [Parameter(ParameterSetName = RequestSet, ValueFromPipelineByPropertyName = true)]
    public SigningScheme Scheme { get; set; } = SigningScheme.KeyAdmin;

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [Alias("Id")]
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Unix milliseconds, as sent in KA-API-TIMESTAMP or KC-API-TIMESTAMP.</summary>
    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Timestamp { get; set; } = string.Empty;

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Signature { get; set; } = string.Empty;

    /// <summary>The KC-API-PASSPHRASE header as sent (KuCoin scheme): a proof of the passphrase (versions 2, 3) or, in version 1, the passphrase itself.</summary>
    [Parameter(ParameterSetName = RequestSet, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? Passphrase { get; set; }

    /// <summary>The KC-API-KEY-VERSION header as sent (KuCoin scheme); none means version 1.</summary>
    [Parameter(ParameterSetName = RequestSet, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? KeyVersion { get; set; }

    /// <summary>
    /// Signs a request with this credential (user name = key id, password = secret, as delivered) and verifies it,
    /// as the application holding it would be verified: how a rotation's -Test checks a successor.
    /// </summary>
    [Parameter(ParameterSetName = CredentialSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSCredential? Credential { get; set; }

    /// <summary>With -Credential, the passphrase of a key that has one: the request is then signed with KuCoin's scheme (version 3).</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    public System.Security.SecureString? KeyPassphrase { get; set; }

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CredentialSet)]
    public string Method { get; set; } = "GET";

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CredentialSet)]
    public string Path { get; set; } = "/";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Body { get; set; } = string.Empty;

    /// <summary>The Content-Type header sent with a body (application/json by default: a signed body is JSON).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string ContentType { get; set; } = "application/json";

    /// <summary>
    /// The caller's address: a plain dotted-decimal IPv4 or an IPv6 address, parsed as strictly as a binding. With
    /// -Credential it may be left out: the request then comes from inside the key's binding.
    /// </summary>
    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CredentialSet)]
    [Alias("CallerAddress", "RemoteAddress")]
    public string IpAddress { get; set; } = string.Empty;

    /// <summary>What the operation needs (Read by default).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ApiKeyPermission Permission { get; set; } = ApiKeyPermission.Read;

    /// <summary>An authenticator code, for withdrawals of accounts that require one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Code { get; set; }

    protected override void ProcessRecord()
    {
        var verifier = Terminating(() => Session.Verifier());
        var body = Encoding.UTF8.GetBytes(Body);
        var signed = ParameterSetName == CredentialSet
            ? Sign(Credential!, body)
            : (Scheme, KeyId, Timestamp, Signature, Passphrase, KeyVersion);
        var address = ParameterSetName == CredentialSet && IpAddress.Length == 0 ? InsideBinding(signed.KeyId) : IpAddress;
        // A malformed address is the request's problem, not the command's: the verifier answers Malformed. It is
        // parsed as a binding is, so "010.0.0.1" (octal) or "167772161" (an integer) is refused, never guessed.
        IpRule.TryParseAddress(address, out var caller);
        var result = verifier.Verify(new SignedRequest
        {
            Scheme = signed.Scheme,
            KeyId = signed.KeyId,
            Timestamp = signed.Timestamp,
            Signature = signed.Signature,
            Passphrase = signed.Passphrase,
            KeyVersion = signed.KeyVersion,
            Method = Method,
            PathAndQuery = Path,
            ContentType = body.Length == 0 ? null : ContentType,
            Body = body,
            CallerAddress = caller,
            RequiredPermission = Permission,
            TwoFactorCode = Code,
        });
        WriteObject(new KeyAdmin.VerificationResult(result));
    }

    /// <summary>The request the holder of the credential sends: KeyAdmin's scheme, or KuCoin's (version 3) with a passphrase.</summary>
    private (SigningScheme Scheme, string KeyId, string Timestamp, string Signature, string? Passphrase, string? KeyVersion) Sign(PSCredential credential, byte[] body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var secret = Encoding.ASCII.GetBytes(SecureText.ToPlain(credential.Password));
        var passphrase = KeyPassphrase is null ? null : Encoding.ASCII.GetBytes(SecureText.ToPlain(KeyPassphrase));
        try
        {
            var signature = RequestSigner.Sign(secret, timestamp, Method, Path, body);
            return passphrase is null
                ? (SigningScheme.KeyAdmin, credential.UserName, timestamp, signature, null, null)
                : (SigningScheme.KuCoin, credential.UserName, timestamp, signature, KuCoinSigning.SignPassphrase(secret, passphrase), "3");
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            if (passphrase is not null)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(passphrase);
            }
        }
    }

    /// <summary>An address the key's binding allows (its first rule's), or loopback for an unbound or unknown key.</summary>
    private string InsideBinding(string keyId)
    {
        try
        {
            return Authority.Keys.Get(keyId).IpBinding.FirstOrDefault()?.Address.ToString() ?? System.Net.IPAddress.Loopback.ToString();
        }
        catch (Core.Errors.KeyAdminException)
        {
            return System.Net.IPAddress.Loopback.ToString();
        }
    }
}
