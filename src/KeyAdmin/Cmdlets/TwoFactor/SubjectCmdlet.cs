using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// The base of the cmdlets that work on a person's authenticator: an account's (-Account) or the store
/// administrator's (-StoreAdministrator), one parameter set each.
/// </summary>
public abstract class SubjectCmdlet : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SubjectParameters.Account)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>The store administrator's authenticator instead of an account's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public SwitchParameter StoreAdministrator { get; set; }

    /// <summary>The core's name of the subject: the account, or the store administrator's reserved name.</summary>
    private protected string Subject => SubjectParameters.Of(StoreAdministrator, Account);

    /// <summary>How ShouldProcess and error targets name the subject.</summary>
    private protected string Who => SubjectParameters.Describe(StoreAdministrator, Account);
}
