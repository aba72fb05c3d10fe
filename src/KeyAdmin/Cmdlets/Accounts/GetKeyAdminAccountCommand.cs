using System.Management.Automation;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Lists accounts with their key count, limit, authenticator state and lockout.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KeyAdminAccount")]
[OutputType(typeof(AccountInfo))]
public sealed class GetKeyAdminAccountCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [Alias("Account")]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var now = DateTimeOffset.UtcNow;
        var accounts = Terminating(() => Authority.Accounts.List());
        if (Name is null)
        {
            WriteObject(accounts.Select(a => new AccountInfo(a, now)), enumerateCollection: true);
            return;
        }

        foreach (var name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var found = accounts.Where(a => pattern.IsMatch(a.Account.Name)).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(ErrorMap.ToErrorRecord(new KeyAdminException(KeyAdminError.AccountNotFound, $"There is no account named '{name}'.", name)));
            }

            WriteObject(found.Select(a => new AccountInfo(a, now)), enumerateCollection: true);
        }
    }
}
