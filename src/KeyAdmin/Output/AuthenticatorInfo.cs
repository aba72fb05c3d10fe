using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin;

/// <summary>An authenticator as Get-KeyAdminAuthenticator shows it. The seed is never part of it.</summary>
public sealed class AuthenticatorInfo
{
    /// <summary>What a person's authenticator may confirm: everything its account (or the store) needs confirmed.</summary>
    internal static readonly string[] PersonScope = { "All" };

    internal AuthenticatorInfo(string account, Authenticator authenticator)
    {
        Account = account;
        Name = authenticator.Name;
        Kind = authenticator.Kind;
        Status = authenticator.Status;
        Scope = authenticator.Kind == AuthenticatorKind.Automation ? AutomationScopes.Names(authenticator.Scope) : PersonScope;
        CreatedAt = authenticator.CreatedAt;
        CreatedBy = authenticator.CreatedBy;
        ConfirmedAt = authenticator.ConfirmedAt;
        LastUsedAt = authenticator.LastUsedAt;
        SuspendedAt = authenticator.SuspendedAt;
        RevokedAt = authenticator.RevokedAt;
    }

    /// <summary>The account, or (store) for the store administrator.</summary>
    public string Account { get; }

    public string Name { get; }

    public AuthenticatorKind Kind { get; }

    public AuthenticatorStatus Status { get; }

    /// <summary>
    /// What it may confirm: an automation authenticator's scope (CreateKey, RotateKey, DisableKey …), or All for a
    /// person's. No scope covers withdrawals, account settings, authenticators or policy.
    /// </summary>
    public string[] Scope { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public DateTimeOffset? ConfirmedAt { get; }

    public DateTimeOffset? LastUsedAt { get; }

    /// <summary>When a reset of the person's authenticator suspended it (automation authenticators).</summary>
    public DateTimeOffset? SuspendedAt { get; }

    public DateTimeOffset? RevokedAt { get; }

    public override string ToString() => Name;
}
