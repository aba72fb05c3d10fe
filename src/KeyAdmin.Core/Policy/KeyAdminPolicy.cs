using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Policy;

/// <summary>Store-wide settings, shared by every process that uses the store.</summary>
public sealed record KeyAdminPolicy
{
    /// <summary>An IPv4 range wider than a /16 (65,536 addresses) is more than one organisation's network.</summary>
    public const int DefaultMinBindingPrefixV4 = 16;

    /// <summary>An IPv6 range wider than a /32 (an ISP's whole allocation) is more than one organisation's network.</summary>
    public const int DefaultMinBindingPrefixV6 = 32;

    public static KeyAdminPolicy Default { get; } = new();

    /// <summary>R4: at most five keys per account unless an administrator changes it.</summary>
    public int MaxKeysPerAccount { get; init; } = 5;

    /// <summary>R12: consecutive refused codes before sensitive operations lock.</summary>
    public int MaxFailedCodes { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one accepted code confirms further operations of the same command on the same account.</summary>
    public TimeSpan ConfirmationLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// R6: the longest IPv4 prefix a rule may be shorter than and still count as binding a Transfer or Withdraw
    /// key. A wider range (0.0.0.0/0 above all) is kept as written and still limits the key (R5), but does not
    /// satisfy R6: such a key needs -AllowUnboundSensitive and is reported by compliance as unbound.
    /// </summary>
    public int MinBindingPrefixV4 { get; init; } = DefaultMinBindingPrefixV4;

    /// <summary>The same for IPv6 rules (::/0 above all).</summary>
    public int MinBindingPrefixV6 { get; init; } = DefaultMinBindingPrefixV6;

    /// <summary>
    /// How long a reset without a recovery code cools off before the new authenticator may confirm what would take
    /// an account over; the replaced authenticator can cancel the reset meanwhile.
    /// </summary>
    public TimeSpan RecoveryCoolingOff { get; init; } = TimeSpan.FromHours(24);

    public KeyAdminPolicy Validate()
    {
        Require(MaxKeysPerAccount is >= 1 and <= 1000, "MaxKeysPerAccount must be from 1 to 1000.", MaxKeysPerAccount);
        Require(MaxFailedCodes is >= 1 and <= 100, "MaxFailedCodes must be from 1 to 100.", MaxFailedCodes);
        Require(LockoutDuration >= TimeSpan.FromMinutes(1) && LockoutDuration <= TimeSpan.FromDays(1), "LockoutDuration must be from 1 minute to 1 day.", LockoutDuration);
        Require(ConfirmationLifetime >= TimeSpan.Zero && ConfirmationLifetime <= TimeSpan.FromHours(1), "ConfirmationLifetime must be from 0 to 1 hour.", ConfirmationLifetime);
        Require(MinBindingPrefixV4 is >= 1 and <= 32, "MinBindingPrefixV4 must be from 1 to 32 (a /0 never binds a key).", MinBindingPrefixV4);
        Require(MinBindingPrefixV6 is >= 1 and <= 128, "MinBindingPrefixV6 must be from 1 to 128 (a /0 never binds a key).", MinBindingPrefixV6);
        Require(RecoveryCoolingOff >= TimeSpan.FromHours(1) && RecoveryCoolingOff <= TimeSpan.FromDays(30), "RecoveryCoolingOff must be from 1 hour to 30 days.", RecoveryCoolingOff);
        return this;
    }

    private static void Require(bool condition, string message, object value)
    {
        if (!condition)
        {
            throw new KeyAdminException(KeyAdminError.InvalidPolicy, message, value);
        }
    }
}
