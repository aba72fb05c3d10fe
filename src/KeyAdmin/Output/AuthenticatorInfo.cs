using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin;

/// <summary>An authenticator as Get-KeyAdminAuthenticator shows it. The seed is never part of it.</summary>
public sealed class AuthenticatorInfo
{
    internal AuthenticatorInfo(string account, Authenticator authenticator)
    {
        Account = account;
        Name = authenticator.Name;
        Kind = authenticator.Kind.ToString();
        Status = authenticator.Status.ToString();
        CreatedAt = authenticator.CreatedAt;
        CreatedBy = authenticator.CreatedBy;
        ConfirmedAt = authenticator.ConfirmedAt;
        LastUsedAt = authenticator.LastUsedAt;
        RevokedAt = authenticator.RevokedAt;
    }

    public string Account { get; }

    public string Name { get; }

    /// <summary>Primary (the person's) or Automation (a job's).</summary>
    public string Kind { get; }

    /// <summary>Pending, Active or Revoked.</summary>
    public string Status { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public DateTimeOffset? ConfirmedAt { get; }

    public DateTimeOffset? LastUsedAt { get; }

    public DateTimeOffset? RevokedAt { get; }

    public override string ToString() => Name;
}
