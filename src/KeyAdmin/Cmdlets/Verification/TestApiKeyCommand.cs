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
[Cmdlet(VerbsDiagnostic.Test, "ApiKey")]
[OutputType(typeof(VerificationResult))]
public sealed class TestApiKeyCommand : KeyAdminCmdlet
{
    /// <summary>KeyAdmin (KA-API-* headers) or KuCoin (KC-API-*, with -Passphrase and -KeyVersion).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SigningScheme Scheme { get; set; } = SigningScheme.KeyAdmin;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [Alias("Id")]
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Unix milliseconds, as sent in KA-API-TIMESTAMP or KC-API-TIMESTAMP.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Timestamp { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Signature { get; set; } = string.Empty;

    /// <summary>The KC-API-PASSPHRASE header as sent (KuCoin scheme): a proof of the passphrase (versions 2, 3) or, in version 1, the passphrase itself.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? Passphrase { get; set; }

    /// <summary>The KC-API-KEY-VERSION header as sent (KuCoin scheme); none means version 1.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? KeyVersion { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Method { get; set; } = "GET";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Path { get; set; } = "/";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Body { get; set; } = string.Empty;

    /// <summary>The Content-Type header sent with a body (application/json by default: a signed body is JSON).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string ContentType { get; set; } = "application/json";

    /// <summary>The caller's address: a plain dotted-decimal IPv4 or an IPv6 address, parsed as strictly as a binding.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
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
        // A malformed address is the request's problem, not the command's: the verifier answers Malformed. It is
        // parsed as a binding is, so "010.0.0.1" (octal) or "167772161" (an integer) is refused, never guessed.
        IpRule.TryParseAddress(IpAddress, out var caller);
        var body = Encoding.UTF8.GetBytes(Body);
        var result = verifier.Verify(new SignedRequest
        {
            Scheme = Scheme,
            KeyId = KeyId,
            Timestamp = Timestamp,
            Signature = Signature,
            Passphrase = Passphrase,
            KeyVersion = KeyVersion,
            Method = Method,
            PathAndQuery = Path,
            ContentType = body.Length == 0 ? null : ContentType,
            Body = body,
            CallerAddress = caller,
            RequiredPermission = Permission,
            TwoFactorCode = Code,
        });
        WriteObject(result);
    }
}
