namespace KeyAdmin.Core.Accounts;

/// <summary>What may change on an account; every change is confirmed by its authenticator.</summary>
public sealed record AccountChanges
{
    public string? Email { get; init; }

    /// <summary>Overrides the store's key limit for this account; see <see cref="ClearKeyLimit"/>.</summary>
    public int? KeyLimit { get; init; }

    /// <summary>Returns the account to the store-wide limit.</summary>
    public bool ClearKeyLimit { get; init; }

    public bool? RequireWithdrawalCode { get; init; }
}
