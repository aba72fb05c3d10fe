using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// The second factor of one command. Its code is spent once, on the first operation of each account; the
/// confirmation that results covers that account's further operations in the same command for a short time
/// (policy ConfirmationLifetime), so `Get-ApiKey -Account desk | Enable-ApiKey -Code 123456` needs one code.
/// A refused code is not offered to the store again.
/// </summary>
public sealed class TwoFactorProof
{
    private readonly ITwoFactorCodeSource source;
    private readonly Dictionary<string, TwoFactorConfirmation> confirmations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeyAdminException> refusals = new(StringComparer.Ordinal);
    private Action? beforeChange;

    public TwoFactorProof(ITwoFactorCodeSource source)
    {
        this.source = source;
    }

    /// <summary>A proof from a code already in hand.</summary>
    public static TwoFactorProof FromCode(string? code) => new(new FixedCodeSource(code));

    /// <summary>
    /// Runs <paramref name="action"/> each time a change this proof confirms is about to be written: every check that
    /// can be made before the write has passed and the code is in hand. A cmdlet says there what it must say before
    /// the change (that a secret is handed over once), so that a message stopped by a stream preference stops the
    /// command before anything exists, and no message precedes a command that fails anyway.
    /// </summary>
    public TwoFactorProof BeforeChange(Action action)
    {
        beforeChange = action;
        return this;
    }

    internal void Confirming() => beforeChange?.Invoke();

    internal TwoFactorConfirmation? ConfirmationFor(string accountId) =>
        confirmations.TryGetValue(accountId, out var confirmation) ? confirmation : null;

    /// <summary>Gets the code to try for an account; called before the write transaction opens.</summary>
    internal string NextCode(string accountId, string accountName, string operation)
    {
        if (refusals.TryGetValue(accountId, out var refusal))
        {
            throw refusal;
        }

        var code = source.GetCode(accountName, operation);
        Totp.CheckFormat(code);
        return code;
    }

    internal void Remember(string accountId, TwoFactorConfirmation? confirmation, KeyAdminException? refusal)
    {
        if (confirmation is not null)
        {
            confirmations[accountId] = confirmation;
        }

        if (refusal is not null && source is FixedCodeSource)
        {
            refusals[accountId] = refusal;
        }
    }

    /// <summary>A code given up front (the -Code parameter); null means none was given.</summary>
    private sealed class FixedCodeSource : ITwoFactorCodeSource
    {
        private readonly string? code;

        public FixedCodeSource(string? code) => this.code = code;

        public string GetCode(string accountName, string operation) =>
            code ?? throw new KeyAdminException(KeyAdminError.TwoFactorCodeRequired, $"{operation} for {Accounts.StoreAdministrator.Describe(accountName)} needs an authenticator code.", accountName);
    }
}

/// <summary>That an authenticator's code was accepted for an account at a time.</summary>
internal sealed record TwoFactorConfirmation(string AccountId, string AuthenticatorId, string AuthenticatorName, DateTimeOffset ConfirmedAt);
