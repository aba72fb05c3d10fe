using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin;

/// <summary>An authenticator as Get-KeyAdminAuthenticator shows it. The seed is never part of it.</summary>
public sealed class AuthenticatorInfo
{
    internal AuthenticatorInfo(string account, Authenticator authenticator)
    {
        Account = account;
        Name = authenticator.Name;
        Kind = authenticator.Kind;
        Status = authenticator.Status;
        CreatedAt = authenticator.CreatedAt;
        CreatedBy = authenticator.CreatedBy;
        ConfirmedAt = authenticator.ConfirmedAt;
        LastUsedAt = authenticator.LastUsedAt;
        RevokedAt = authenticator.RevokedAt;
    }

    public string Account { get; }

    public string Name { get; }

    public AuthenticatorKind Kind { get; }

    public AuthenticatorStatus Status { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public DateTimeOffset? ConfirmedAt { get; }

    public DateTimeOffset? LastUsedAt { get; }

    public DateTimeOffset? RevokedAt { get; }

    public override string ToString() => Name;
}
