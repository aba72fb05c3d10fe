using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin;

/// <summary>An authenticator as Get-KeyAdminAuthenticator shows it. The seed is never part of it.</summary>
public sealed class AuthenticatorInfo
{
    /// <summary>What a person's authenticator may confirm: everything its account (or the store) needs confirmed.</summary>
    private static readonly TextList PersonScope = new(new[] { "All" });

    /// <summary>The scope as words: an automation authenticator's (CreateKey, RotateKey …), or All for a person's.</summary>
    internal static TextList ScopeOf(AuthenticatorKind kind, AutomationScope scope) =>
        kind == AuthenticatorKind.Automation ? new TextList(AutomationScopes.Names(scope)) : PersonScope;

    internal AuthenticatorInfo(string account, Authenticator authenticator)
    {
        Account = account;
        Name = authenticator.Name;
        Kind = authenticator.Kind.ToString();
        Status = authenticator.Status.ToString();
        Scope = ScopeOf(authenticator.Kind, authenticator.Scope);
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

    /// <summary>Primary (the person's) or Automation (a job's).</summary>
    public string Kind { get; }

    /// <summary>
    /// Pending, Active, Revoked, Suspended (a job's, after a reset of the person's authenticator) or Replaced (the
    /// person's, while a reset that replaces it cools off).
    /// </summary>
    public string Status { get; }

    /// <summary>
    /// What it may confirm: an automation authenticator's scope (CreateKey, RotateKey, DisableKey …), or All for a
    /// person's. No scope covers withdrawals, account settings, authenticators or policy.
    /// </summary>
    public TextList Scope { get; }

    public DateTimeOffset CreatedAt { get; }

    public string CreatedBy { get; }

    public DateTimeOffset? ConfirmedAt { get; }

    public DateTimeOffset? LastUsedAt { get; }

    /// <summary>When a reset of the person's authenticator suspended it (automation authenticators).</summary>
    public DateTimeOffset? SuspendedAt { get; }

    public DateTimeOffset? RevokedAt { get; }

    public override string ToString() => Name;
}
