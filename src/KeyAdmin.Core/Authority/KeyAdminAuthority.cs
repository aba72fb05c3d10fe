using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Policy;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// The API key authority over one store: what the cmdlets (and any .NET host) call. It owns no state of its
/// own beyond the store, the clock and who is acting.
/// </summary>
public sealed class KeyAdminAuthority
{
    public KeyAdminAuthority(IKeyAdminStore store, TimeProvider clock, Actor actor)
    {
        var operations = new Operations(store, clock, actor);
        Store = store;
        Accounts = new AccountService(operations);
        Authenticators = new AuthenticatorService(operations);
        Keys = new KeyService(operations);
        Policy = new PolicyService(operations);
        StoreAdministrator = new StoreAdministratorService(operations);
        Compliance = new ComplianceService(operations, Accounts, StoreAdministrator);
        Audit = new AuditService(operations);
        Rotations = new RotationService(operations, Keys);
    }

    public IKeyAdminStore Store { get; }

    public AccountService Accounts { get; }

    public AuthenticatorService Authenticators { get; }

    public KeyService Keys { get; }

    public PolicyService Policy { get; }

    /// <summary>The holder of the factor for store-wide settings.</summary>
    public StoreAdministratorService StoreAdministrator { get; }

    public ComplianceService Compliance { get; }

    public AuditService Audit { get; }

    public RotationService Rotations { get; }
}
