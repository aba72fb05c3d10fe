using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Lists an account's authenticators (the person's and automation ones, with their scope), or the store administrator's.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KeyAdminAuthenticator", DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(AuthenticatorInfo))]
public sealed class GetKeyAdminAuthenticatorCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SubjectParameters.Account)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>The store administrator's authenticators instead of an account's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public SwitchParameter StoreAdministrator { get; set; }

    /// <summary>Also lists revoked authenticators.</summary>
    [Parameter]
    public SwitchParameter IncludeRevoked { get; set; }

    protected override void ProcessRecord()
    {
        var subject = SubjectParameters.Of(StoreAdministrator, Account);
        PerItem(SubjectParameters.Describe(StoreAdministrator, Account), () =>
        {
            foreach (var authenticator in Authority.Authenticators.List(subject))
            {
                if (IncludeRevoked || authenticator.Status != Core.TwoFactor.AuthenticatorStatus.Revoked)
                {
                    WriteObject(new AuthenticatorInfo(subject, authenticator));
                }
            }
        });
    }
}
