using System.Collections;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Cmdlets.Verification;

/// <summary>
/// <para type="synopsis">Signs a request the way a client of the API does, and returns the headers to send.</para>
/// </summary>
/// <remarks>The credential is the one delivered at creation: user name = key id, password = secret.</remarks>
[Cmdlet(VerbsCommon.New, "ApiKeySignature")]
[OutputType(typeof(Hashtable))]
public sealed class NewApiKeySignatureCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

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
        var timestamp = (Timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var secret = Encoding.ASCII.GetBytes(SecureText.ToPlain(Credential.Password));
        try
        {
            var signature = RequestSigner.Sign(secret, timestamp, Method, Path, Encoding.UTF8.GetBytes(Body));
            WriteObject(new Hashtable
            {
                [RequestSigner.KeyHeader] = Credential.UserName,
                [RequestSigner.TimestampHeader] = timestamp,
                [RequestSigner.SignatureHeader] = signature,
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
