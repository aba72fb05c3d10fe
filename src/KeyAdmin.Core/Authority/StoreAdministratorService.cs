using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// The store administrator: the person whose authenticator confirms store-wide settings. Enrolled once per store
/// (whoever creates a store enrols it straight away, as the quickstart does); until then nobody can change the
/// policy. It has what an account has (a primary authenticator, recovery codes, lockout, a cooling-off after a
/// reset), but no keys and no automation authenticators.
/// </summary>
public sealed class StoreAdministratorService
{
    private readonly Operations ops;

    internal StoreAdministratorService(Operations ops) => this.ops = ops;

    /// <summary>Enrols the store administrator: a pending authenticator and ten recovery codes, shown once.</summary>
    public Enrollment Enrol(string email)
    {
        email = Names.Email(email);
        return ops.Store.Write(tx =>
        {
            if (tx.FindAccount(StoreAdministrator.AccountName) is not null)
            {
                throw new KeyAdminException(
                    KeyAdminError.StoreAdministratorExists,
                    "This store already has its store administrator; a lost authenticator is replaced with Reset-KeyAdminAuthenticator -StoreAdministrator.",
                    StoreAdministrator.AccountName);
            }

            return AccountService.CreateSubject(tx, ops, StoreAdministrator.AccountName, email, "StoreAdministrator.Create");
        });
    }

    /// <summary>The store administrator as listed, or null when none is enrolled.</summary>
    public AccountSummary? Get() => ops.Store.Read(reader =>
        reader.FindAccount(StoreAdministrator.AccountName) is { } administrator ? AccountService.Summarise(reader, administrator) : null);
}
