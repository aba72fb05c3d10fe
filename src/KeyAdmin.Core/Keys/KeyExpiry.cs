using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Keys;

/// <summary>The expiry choices of R14: never, 30, 90, 180 or 360 days, or a date.</summary>
public static class KeyExpiry
{
    public static readonly IReadOnlyList<int> AllowedDays = new[] { 30, 90, 180, 360 };

    public static DateTimeOffset? Resolve(DateTimeOffset now, int? expiresInDays, DateTimeOffset? expiresAt)
    {
        if (expiresInDays is not null && expiresAt is not null)
        {
            throw new KeyAdminException(KeyAdminError.InvalidExpiry, "Give an expiry in days or as a date, not both.");
        }

        if (expiresInDays is { } days)
        {
            if (!AllowedDays.Contains(days))
            {
                throw new KeyAdminException(
                    KeyAdminError.InvalidExpiry,
                    $"A key expires in {string.Join(", ", AllowedDays)} days, or never; {days} is not one of them.",
                    days);
            }

            return now.AddDays(days);
        }

        if (expiresAt is { } at)
        {
            if (at <= now)
            {
                throw new KeyAdminException(KeyAdminError.ExpiryInPast, $"The expiry {at:u} is not in the future.", at);
            }

            return at.ToUniversalTime();
        }

        return null;
    }
}
