using System.Management.Automation;
using System.Net;
using System.Text;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Cmdlets.Verification;

/// <summary>
/// <para type="synopsis">Verifies a signed request as a service would, and returns accepted or the precise refusal.</para>
/// </summary>
/// <remarks>
/// Takes the request from parameters or from pipeline objects with the same property names (for example lines
/// of a proxy log). The session keeps one verifier, so replays across calls are caught as a service would.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "ApiKey", DefaultParameterSetName = CredentialSet)]
[OutputType(typeof(KeyAdmin.VerificationResult))]
public sealed class TestApiKeyCommand : KeyAdminCmdlet
{
    private const string RequestSet = "Request";
    private const string CredentialSet = "Credential";

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [Alias("Id")]
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Unix milliseconds, as sent in KA-API-TIMESTAMP.</summary>
    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Timestamp { get; set; } = string.Empty;

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Signature { get; set; } = string.Empty;

    /// <summary>
    /// Signs a request with this credential (user name = key id, password = secret, as delivered) and verifies it,
    /// as the application holding it would be verified: how a rotation's -Test checks a successor.
    /// </summary>
    [Parameter(ParameterSetName = CredentialSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSCredential? Credential { get; set; }

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CredentialSet)]
    public string Method { get; set; } = "GET";

    [Parameter(ParameterSetName = RequestSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CredentialSet)]
    public string Path { get; set; } = "/";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Body { get; set; } = string.Empty;

    /// <summary>The caller's address. With -Credential it may be left out: the request then comes from inside the key's binding.</summary>
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
        var (keyId, timestamp, signature) = ParameterSetName == CredentialSet ? Sign(Credential!) : (KeyId, Timestamp, Signature);
        var address = ParameterSetName == CredentialSet && IpAddress.Length == 0 ? InsideBinding(keyId) : IpAddress;
        // A malformed address is the request's problem, not the command's: the verifier answers Malformed.
        IPAddress.TryParse(address, out var caller);
        var result = verifier.Verify(new SignedRequest
        {
            KeyId = keyId,
            Timestamp = timestamp,
            Signature = signature,
            Method = Method,
            PathAndQuery = Path,
            Body = Encoding.UTF8.GetBytes(Body),
            CallerAddress = caller,
            RequiredPermission = Permission,
            TwoFactorCode = Code,
        });
        WriteObject(new KeyAdmin.VerificationResult(result));
    }

    private (string KeyId, string Timestamp, string Signature) Sign(PSCredential credential)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var secret = Encoding.ASCII.GetBytes(SecureText.ToPlain(credential.Password));
        try
        {
            return (credential.UserName, timestamp, RequestSigner.Sign(secret, timestamp, Method, Path, Encoding.UTF8.GetBytes(Body)));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>An address the key's binding allows (its first rule's), or loopback for an unbound or unknown key.</summary>
    private string InsideBinding(string keyId)
    {
        try
        {
            return Authority.Keys.Get(keyId).IpBinding.FirstOrDefault()?.Address.ToString() ?? IPAddress.Loopback.ToString();
        }
        catch (Core.Errors.KeyAdminException)
        {
            return IPAddress.Loopback.ToString();
        }
    }
}
