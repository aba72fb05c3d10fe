using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Lists an account's authenticators: the person's primary one and automation authenticators.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KeyAdminAuthenticator")]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class GetKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>Also lists revoked authenticators.</summary>
    [Parameter]
    public SwitchParameter IncludeRevoked { get; set; }

    protected override void ProcessRecord() => PerItem(Account, () =>
    {
        foreach (var authenticator in Authority.Authenticators.List(Account))
        {
            if (IncludeRevoked || authenticator.Status != Core.TwoFactor.AuthenticatorStatus.Revoked)
            {
                WriteObject(new AuthenticatorInfo(Account, authenticator));
            }
        }
    });
}
