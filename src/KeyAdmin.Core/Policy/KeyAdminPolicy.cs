using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Policy;

/// <summary>Store-wide settings, shared by every process that uses the store.</summary>
public sealed record KeyAdminPolicy
{
    public static KeyAdminPolicy Default { get; } = new();

    /// <summary>R4: at most five keys per account unless an administrator changes it.</summary>
    public int MaxKeysPerAccount { get; init; } = 5;

    /// <summary>R12: consecutive refused codes before sensitive operations lock.</summary>
    public int MaxFailedCodes { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one accepted code confirms further operations of the same command on the same account.</summary>
    public TimeSpan ConfirmationLifetime { get; init; } = TimeSpan.FromMinutes(5);

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
