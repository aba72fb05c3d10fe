using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Authority;

/// <summary>
/// Accounts: the owners of keys, each with a primary authenticator enrolled at creation (R1) and ten recovery codes
/// that authorise one reset each.
/// </summary>
public sealed class AccountService
{
    private readonly Operations ops;

    internal AccountService(Operations ops) => this.ops = ops;

    /// <summary>Creates an account with a pending primary authenticator and its recovery codes; the enrolment is shown once.</summary>
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

            return CreateSubject(tx, ops, name, email, "Account.Create");
        });
    }

    /// <summary>An account (or the store administrator) with its pending primary authenticator and ten recovery codes.</summary>
    internal static Enrollment CreateSubject(IStoreWriter tx, Operations ops, string name, string email, string action)
    {
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
        var codes = EnrollmentFactory.IssueRecoveryCodes(tx, ops, account);
        tx.Append(ops.Audit(action, account, name, detail: $"Email={email}; RecoveryCodes={codes.Count}"));
        return enrollment with { RecoveryCodes = codes };
    }

    /// <summary>The accounts, by name; the store administrator is not one of them.</summary>
    public IReadOnlyList<AccountSummary> List() => ops.Store.Read(reader =>
        reader.ListAccounts().Where(a => !a.IsStoreAdministrator).Select(a => Summarise(reader, a)).ToList());

    internal static AccountSummary Summarise(IStoreReader reader, Account account) => new(
        account,
        reader.CountLiveKeys(account.AccountId),
        account.KeyLimit ?? reader.ReadPolicy().MaxKeysPerAccount,
        reader.ListAuthenticators(account.AccountId).Any(x => x.Status is AuthenticatorStatus.Active or AuthenticatorStatus.Replaced),
        reader.ListRecoveryCodes(account.AccountId).Count);

    /// <summary>
    /// Changes an account's e-mail, key limit or withdrawal confirmation: account security settings, which only a
    /// person's authenticator confirms; turning withdrawal codes off waits for a pending reset to cool off.
    /// </summary>
    public Account Update(string name, AccountChanges changes, TwoFactorProof proof)
    {
        var email = changes.Email is null ? null : Names.Email(changes.Email);
        if (changes.KeyLimit is { } limit && limit is < 1 or > 1000)
        {
            throw new KeyAdminException(KeyAdminError.InvalidPolicy, "An account's key limit must be from 1 to 1000.", limit);
        }

        var need = TwoFactorRequirement.Person("Account.Update", takesOver: changes.RequireWithdrawalCode == false);
        return ops.Confirmed(name, proof, need, name, (_, _) => { }, (tx, account, confirmedBy) =>
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
                account,
                account.Name,
                confirmedBy,
                $"Email={updated.Email}; KeyLimit={updated.KeyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "policy"}; RequireWithdrawalCode={updated.RequireWithdrawalCode}"));
            return updated;
        });
    }

    /// <summary>
    /// Removes an account that holds no keys (deleted keys do not count), confirmed by its person's authenticator;
    /// an account whose enrolment was never confirmed (which never could hold a key) needs no code. Its audit history
    /// stays, under its account id: an account created later with the same name starts afresh.
    /// </summary>
    public Account Remove(string name, TwoFactorProof proof)
    {
        void Precheck(IStoreReader reader, Account account)
        {
            var keys = reader.CountLiveKeys(account.AccountId);
            if (keys > 0)
            {
                throw new KeyAdminException(KeyAdminError.AccountHasKeys, $"Account '{account.Name}' still holds {keys} key(s); remove them first.", account.Name);
            }
        }

        Account RemoveIn(IStoreWriter tx, Account account, string? confirmedBy)
        {
            tx.Append(ops.Audit("Account.Remove", account, account.Name, confirmedBy, confirmedBy is null ? "NeverEnrolled=True" : null));
            tx.DeleteAccount(account.AccountId);
            return account;
        }

        static bool NeverEnrolled(IStoreReader reader, Account account) =>
            reader.ListAuthenticators(account.AccountId).All(a => a.ConfirmedAt is null);

        if (ops.Store.Read(r => NeverEnrolled(r, Operations.RequireAccount(r, name))))
        {
            return ops.Store.Write(tx =>
            {
                var account = Operations.RequireAccount(tx, name);
                Precheck(tx, account);
                return NeverEnrolled(tx, account)
                    ? RemoveIn(tx, account, null)
                    : throw new KeyAdminException(KeyAdminError.TwoFactorCodeRequired, $"Account '{account.Name}' was enrolled meanwhile: removing it needs a code.", account.Name);
            });
        }

        return ops.Confirmed(name, proof, TwoFactorRequirement.Person("Account.Remove"), name, Precheck, (tx, account, confirmedBy) => RemoveIn(tx, account, confirmedBy));
    }
}
