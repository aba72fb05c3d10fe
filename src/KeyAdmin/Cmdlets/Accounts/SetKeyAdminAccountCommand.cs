using System.Management.Automation;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Changes an account's e-mail, key limit or withdrawal confirmation; needs its authenticator code.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "KeyAdminAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AccountInfo))]
public sealed class SetKeyAdminAccountCommand : KeyAdminCmdlet
{
    private TwoFactorProof? proof;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Account")]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Name { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Email { get; set; }

    /// <summary>This account's own key limit, overriding the store's policy (R4); 0 returns to the policy.</summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int? KeyLimit { get; set; }

    /// <summary>Whether Withdraw requests of this account's keys must carry an authenticator code.</summary>
    [Parameter]
    public bool? RequireWithdrawalCode { get; set; }

    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing() => proof = ProofFrom(Code);

    protected override void ProcessRecord() => PerItem(Name, () =>
    {
        if (!ShouldChange(Name, "Change KeyAdmin account"))
        {
            return;
        }

        Authority.Accounts.Update(Name, new AccountChanges
        {
            Email = Email,
            KeyLimit = KeyLimit is 0 ? null : KeyLimit,
            ClearKeyLimit = KeyLimit is 0,
            RequireWithdrawalCode = RequireWithdrawalCode,
        }, proof!);
        if (PassThru)
        {
            var summary = Authority.Accounts.List().Single(a => string.Equals(a.Account.Name, Name, StringComparison.OrdinalIgnoreCase));
            WriteObject(new AccountInfo(summary, DateTimeOffset.UtcNow));
        }
    });
}
