using System.Management.Automation;
using System.Security;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Computes the current authenticator code from a seed: how an unattended job confirms its operations.</para>
/// </summary>
/// <remarks>
/// A scheduled job keeps its automation authenticator's seed in its own vault and passes
/// <c>-Code (Get-Secret job-seed -Vault JobVault | Get-KeyAdminTotpCode)</c>. Each code is accepted once, so a job
/// computes a fresh one per command.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "KeyAdminTotpCode")]
[OutputType(typeof(string))]
public sealed class GetKeyAdminTotpCodeCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SecureString Secret { get; set; } = new();

    /// <summary>
    /// The time whose code to compute (default now). The authority accepts the previous, current and next
    /// 30-second step, each code once and only after an earlier one, so a script that confirms several commands
    /// at once can use -At (Get-Date).AddSeconds(30) for the next.
    /// </summary>
    [Parameter]
    public DateTimeOffset? At { get; set; }

    protected override void ProcessRecord()
    {
        byte[] seed;
        try
        {
            seed = Totp.FromBase32(SecureText.ToPlain(Secret));
        }
        catch (Core.Errors.KeyAdminException e)
        {
            WriteError(ErrorMap.ToErrorRecord(e, "Secret"));
            return;
        }

        try
        {
            WriteObject(Totp.ComputeCode(seed, At ?? DateTimeOffset.UtcNow));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
        }
    }
}
