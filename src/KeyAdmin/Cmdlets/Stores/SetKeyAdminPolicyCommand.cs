using System.Management.Automation;
using KeyAdmin.Core.Policy;

namespace KeyAdmin.Cmdlets.Stores;

/// <summary>
/// <para type="synopsis">Changes the store-wide policy for every process that uses the store, confirmed by the store administrator; audited.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "KeyAdminPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(KeyAdminPolicy))]
public sealed class SetKeyAdminPolicyCommand : KeyAdminCmdlet
{
    /// <summary>R4's limit: keys per account, enabled and disabled counted (default 5).</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int? MaxKeysPerAccount { get; set; }

    /// <summary>Consecutive wrong codes before sensitive operations lock (default 5).</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int? MaxFailedCodes { get; set; }

    /// <summary>How long the lock lasts (default 15 minutes).</summary>
    [Parameter]
    public TimeSpan? LockoutDuration { get; set; }

    /// <summary>How long one accepted code confirms further operations of the same command (default 5 minutes).</summary>
    [Parameter]
    public TimeSpan? ConfirmationLifetime { get; set; }

    /// <summary>R6: IPv4 rules wider than this prefix (default /16) do not count as binding a Transfer or Withdraw key.</summary>
    [Parameter]
    [ValidateRange(1, 32)]
    public int? MinBindingPrefixV4 { get; set; }

    /// <summary>R6: IPv6 rules wider than this prefix (default /32) do not count as binding a Transfer or Withdraw key.</summary>
    [Parameter]
    [ValidateRange(1, 128)]
    public int? MinBindingPrefixV6 { get; set; }

    /// <summary>How long a reset without a recovery code cools off (default 24 hours).</summary>
    [Parameter]
    public TimeSpan? RecoveryCoolingOff { get; set; }

    /// <summary>A code of the store administrator's authenticator.</summary>
    [Parameter]
    public string? Code { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldChange(Authority.Store.Description.Location, "Change KeyAdmin policy"))
        {
            return;
        }

        var policy = Terminating(() => Authority.Policy.Set(
            p => p with
            {
                MaxKeysPerAccount = MaxKeysPerAccount ?? p.MaxKeysPerAccount,
                MaxFailedCodes = MaxFailedCodes ?? p.MaxFailedCodes,
                LockoutDuration = LockoutDuration ?? p.LockoutDuration,
                ConfirmationLifetime = ConfirmationLifetime ?? p.ConfirmationLifetime,
                MinBindingPrefixV4 = MinBindingPrefixV4 ?? p.MinBindingPrefixV4,
                MinBindingPrefixV6 = MinBindingPrefixV6 ?? p.MinBindingPrefixV6,
                RecoveryCoolingOff = RecoveryCoolingOff ?? p.RecoveryCoolingOff,
            },
            ProofFrom(Code)));
        if (PassThru)
        {
            WriteObject(policy);
        }
    }
}
