using System.Security;

namespace KeyAdmin;

/// <summary>New recovery codes of a person, handed over once as SecureStrings (New-KeyAdminRecoveryCode).</summary>
public sealed class KeyAdminRecoveryCodes
{
    internal KeyAdminRecoveryCodes(string account, IReadOnlyList<SecureString> codes, DateTimeOffset createdAt)
    {
        Account = account;
        RecoveryCodes = codes.ToArray();
        CreatedAt = createdAt;
    }

    /// <summary>The account, or (store) for the store administrator.</summary>
    public string Account { get; }

    /// <summary>Ten one-time codes; the earlier ones no longer work.</summary>
    public SecureString[] RecoveryCodes { get; }

    public DateTimeOffset CreatedAt { get; }
}
