using KeyAdmin.Core.Policy;

namespace KeyAdmin.Core.Authority;

/// <summary>Reads and changes the store-wide policy (key limit, lockout rules).</summary>
public sealed class PolicyService
{
    private readonly Operations ops;

    internal PolicyService(Operations ops) => this.ops = ops;

    public KeyAdminPolicy Get() => ops.Store.Read(r => r.ReadPolicy());

    public KeyAdminPolicy Set(Func<KeyAdminPolicy, KeyAdminPolicy> change) => ops.Store.Write(tx =>
    {
        var before = tx.ReadPolicy();
        var after = change(before).Validate();
        tx.WritePolicy(after);
        tx.Append(ops.Audit(
            "Policy.Set",
            account: null,
            keyId: null,
            target: "policy",
            detail: $"MaxKeysPerAccount={after.MaxKeysPerAccount}; MaxFailedCodes={after.MaxFailedCodes}; LockoutDuration={after.LockoutDuration}; ConfirmationLifetime={after.ConfirmationLifetime}; " +
                    $"MinBindingPrefixV4={after.MinBindingPrefixV4}; MinBindingPrefixV6={after.MinBindingPrefixV6}"));
        return after;
    });
}
