using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>Accounts: the owners of keys, each with a primary authenticator enrolled at creation (R1).</summary>
public sealed class AccountService
{
    private readonly Operations ops;

    internal AccountService(Operations ops) => this.ops = ops;

    /// <summary>Creates an account with a pending primary authenticator; the enrolment is shown once.</summary>
    public Enrollment Create(string name, string email)
    {
        Names.Account(name);
        email = Names.Email(email);
        return ops.Store.Write(tx =>
        {
            if (tx.FindAccount(name) is not null)
            {
                throw new KeyAdminException(KeyAdminError.AccountExists, $"An account named '{name}' already exists.", name);
            }

            var account = new Account
            {
                AccountId = Guid.NewGuid().ToString("N"),
                Name = name,
                Email = email,
                CreatedAt = ops.Now,
                CreatedBy = ops.Actor.ToString(),
            };
            tx.InsertAccount(account);
            var enrollment = EnrollmentFactory.Enrol(tx, ops, account, AuthenticatorNames.Primary, AuthenticatorKind.Primary, AuthenticatorStatus.Pending);
            tx.Append(ops.Audit("Account.Create", name, null, name, detail: $"Email={email}"));
            return enrollment;
        });
    }

    public IReadOnlyList<AccountSummary> List() => ops.Store.Read(reader =>
    {
        var policy = reader.ReadPolicy();
        return reader.ListAccounts()
            .Select(a => new AccountSummary(
                a,
                reader.CountLiveKeys(a.AccountId),
                a.KeyLimit ?? policy.MaxKeysPerAccount,
                reader.ListAuthenticators(a.AccountId).Any(x => x.Status == AuthenticatorStatus.Active)))
            .ToList();
    });

    /// <summary>Changes an account's e-mail, key limit or withdrawal confirmation; confirmed by its authenticator.</summary>
    public Account Update(string name, AccountChanges changes, TwoFactorProof proof)
    {
        var email = changes.Email is null ? null : Names.Email(changes.Email);
        if (changes.KeyLimit is { } limit && limit is < 1 or > 1000)
        {
            throw new KeyAdminException(KeyAdminError.InvalidPolicy, "An account's key limit must be from 1 to 1000.", limit);
        }

        return ops.Confirmed(name, proof, TwoFactorGate.Scope.AnyActive, "Account.Update", name, (_, _) => { }, (tx, account, confirmedBy) =>
        {
            var updated = account with
            {
                Email = email ?? account.Email,
                KeyLimit = changes.ClearKeyLimit ? null : changes.KeyLimit ?? account.KeyLimit,
                RequireWithdrawalCode = changes.RequireWithdrawalCode ?? account.RequireWithdrawalCode,
            };
            tx.UpdateAccount(updated);
            tx.Append(ops.Audit(
                "Account.Update",
                account.Name,
                null,
                account.Name,
                confirmedBy,
                $"Email={updated.Email}; KeyLimit={updated.KeyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "policy"}; RequireWithdrawalCode={updated.RequireWithdrawalCode}"));
            return updated;
        });
    }

    /// <summary>Removes an account that holds no keys (deleted keys do not count); its audit history stays.</summary>
    public Account Remove(string name) => ops.Store.Write(tx =>
    {
        var account = Operations.RequireAccount(tx, name);
        var keys = tx.CountLiveKeys(account.AccountId);
        if (keys > 0)
        {
            throw new KeyAdminException(KeyAdminError.AccountHasKeys, $"Account '{account.Name}' still holds {keys} key(s); remove them first.", account.Name);
        }

        tx.DeleteAccount(account.AccountId);
        tx.Append(ops.Audit("Account.Remove", account.Name, null, account.Name));
        return account;
    });
}
