using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// Reads and changes the store-wide policy (key limit, lockout, confirmation lifetime, binding widths, cooling-off): every change
/// weakens or strengthens every account at once, so the store administrator's authenticator confirms it.
/// </summary>
public sealed class PolicyService
{
    private readonly Operations ops;

    internal PolicyService(Operations ops) => this.ops = ops;

    public KeyAdminPolicy Get() => ops.Store.Read(r => r.ReadPolicy());

    /// <summary>Changes the policy, confirmed by the store administrator (KeyAdmin.StoreAdministratorNotEnrolled until there is one).</summary>
    public KeyAdminPolicy Set(Func<KeyAdminPolicy, KeyAdminPolicy> change, TwoFactorProof proof)
    {
        // A change that cannot be valid costs no code.
        change(Get()).Validate();
        return ops.Confirmed(
            StoreAdministrator.AccountName,
            proof,
            TwoFactorRequirement.Person("Policy.Set"),
            "policy",
            (_, _) => { },
            (tx, administrator, confirmedBy) =>
            {
                var after = change(tx.ReadPolicy()).Validate();
                tx.WritePolicy(after);
                tx.Append(ops.Audit(
                    "Policy.Set",
                    administrator,
                    "policy",
                    confirmedBy,
                    $"MaxKeysPerAccount={after.MaxKeysPerAccount}; MaxFailedCodes={after.MaxFailedCodes}; LockoutDuration={after.LockoutDuration}; " +
                    $"ConfirmationLifetime={after.ConfirmationLifetime}; MinBindingPrefixV4={after.MinBindingPrefixV4}; MinBindingPrefixV6={after.MinBindingPrefixV6}; " +
                    $"RecoveryCoolingOff={after.RecoveryCoolingOff}"));
                return after;
            },
            storeAdministrator: true);
    }
}
