namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// What an automation authenticator may confirm, on keys of its own account. There is deliberately no value for
/// withdrawals, account settings, authenticators, recovery codes or policy: those need a person's authenticator,
/// whatever a job's scope says. On a key that grants Transfer or Withdraw a job may only rotate it (same
/// permissions, same binding) and disable it; creating, enabling or re-binding such a key needs a person.
/// </summary>
[Flags]
public enum AutomationScope
{
    None = 0,

    /// <summary>New-ApiKey, for keys that grant Read and Trade only.</summary>
    CreateKey = 1,

    /// <summary>Invoke-ApiKeyRotation and Resume-ApiKeyRotation, including the retirement (-RemoveOld) of the old key.</summary>
    RotateKey = 2,

    /// <summary>Disable-ApiKey (which needs no code: listed so that a scope says what the job does).</summary>
    DisableKey = 4,

    /// <summary>Enable-ApiKey, for keys that grant neither Transfer nor Withdraw.</summary>
    EnableKey = 8,

    /// <summary>Remove-ApiKey.</summary>
    RemoveKey = 16,

    /// <summary>Set-ApiKey binding changes, for keys that grant neither Transfer nor Withdraw.</summary>
    SetKeyBinding = 32,
}

public static class AutomationScopes
{
    /// <summary>What Register-KeyAdminAuthenticator grants unless -Scope says otherwise: create, rotate and disable keys.</summary>
    public const AutomationScope Default = AutomationScope.CreateKey | AutomationScope.RotateKey | AutomationScope.DisableKey;

    public const AutomationScope All = AutomationScope.CreateKey | AutomationScope.RotateKey | AutomationScope.DisableKey |
        AutomationScope.EnableKey | AutomationScope.RemoveKey | AutomationScope.SetKeyBinding;

    /// <summary>The scope's names, as Get-KeyAdminAuthenticator shows them (words, so that exports stay readable).</summary>
    public static string[] Names(AutomationScope scope) =>
        Enum.GetValues<AutomationScope>().Where(s => s != AutomationScope.None && scope.HasFlag(s)).Select(s => s.ToString()).ToArray();
}
