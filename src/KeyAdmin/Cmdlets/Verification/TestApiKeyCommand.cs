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
[Cmdlet(VerbsDiagnostic.Test, "ApiKey")]
[OutputType(typeof(VerificationResult))]
public sealed class TestApiKeyCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [Alias("Id")]
    public string KeyId { get; set; } = string.Empty;

    /// <summary>Unix milliseconds, as sent in KA-API-TIMESTAMP.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Timestamp { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Signature { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Method { get; set; } = "GET";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Path { get; set; } = "/";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Body { get; set; } = string.Empty;

    /// <summary>The caller's address.</summary>
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
        // A malformed address is the request's problem, not the command's: the verifier answers Malformed.
        IPAddress.TryParse(IpAddress, out var caller);
        var result = verifier.Verify(new SignedRequest
        {
            KeyId = KeyId,
            Timestamp = Timestamp,
            Signature = Signature,
            Method = Method,
            PathAndQuery = Path,
            Body = Encoding.UTF8.GetBytes(Body),
            CallerAddress = caller,
            RequiredPermission = Permission,
            TwoFactorCode = Code,
        });
        WriteObject(result);
    }
}
