using System.Management.Automation;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Session;

namespace KeyAdmin.Cmdlets;

/// <summary>
/// What every KeyAdmin cmdlet shares: the session's authority, error records from core refusals, and the
/// second factor (from -Code, or a prompt when somebody is there to answer it).
/// </summary>
public abstract class KeyAdminCmdlet : PSCmdlet
{
    private KeyAdminAuthority? authority;

    internal KeyAdminSession Session => KeyAdminSession.ForCurrentRunspace();

    /// <summary>
    /// True for commands that only read (Get-*, Test-ApiKeyAuditLog, Test-ApiKeyCompliance): they open the store to
    /// read only, so that they never create, upgrade or write it, and can check a copy kept as evidence.
    /// </summary>
    internal virtual bool ReadsOnly => false;

    /// <summary>
    /// True for the two commands that can start a store from nothing (New-KeyAdminStoreAdministrator,
    /// New-KeyAdminAccount): only they create a missing store. (Set-KeyAdminPolicy cannot: a new store has no store
    /// administrator to confirm it.) Every other command needs one that exists (KeyAdmin.StoreNotFound otherwise), so
    /// a mistyped path or $env:KEYADMIN_STORE never turns into an empty store with a new key-encryption key.
    /// </summary>
    protected virtual bool CreatesStore => false;

    /// <summary>The authority over the session's store. A store that cannot be opened ends the command.</summary>
    internal KeyAdminAuthority Authority
    {
        get
        {
            if (authority is null)
            {
                try
                {
                    authority = Session.Open(ReadsOnly, CreatesStore);
                }
                catch (KeyAdminException e)
                {
                    ThrowTerminatingError(ErrorMap.ToErrorRecord(e));
                }
            }

            return authority!;
        }
    }

    /// <summary>Runs one item's work; a refusal becomes a non-terminating error and the pipeline goes on.</summary>
    internal void PerItem(object? target, Action work)
    {
        try
        {
            work();
        }
        catch (KeyAdminException e)
        {
            WriteError(ErrorMap.ToErrorRecord(e, target));
        }
    }

    /// <summary>Runs setup work; a refusal ends the command.</summary>
    internal T Terminating<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (KeyAdminException e)
        {
            ThrowTerminatingError(ErrorMap.ToErrorRecord(e));
            throw; // not reached: ThrowTerminatingError always throws.
        }
    }

    /// <summary>
    /// ShouldProcess, as a scheduled job needs it: -WhatIf reports and changes nothing; -Force (on the cmdlets that
    /// declare it) skips the confirmation prompt unless -Confirm asks for it; and a prompt that nobody could answer
    /// (a non-interactive session) is never shown: the command ends with KeyAdmin.ConfirmationRequired, which names
    /// the parameter to pass, instead of hanging on an open stdin or failing inside the host.
    /// </summary>
    internal bool ShouldChange(string target, string action)
    {
        var bound = MyInvocation.BoundParameters;
        var whatIf = bound.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        if (whatIf)
        {
            return ShouldProcess(target, action);
        }

        var confirmBound = bound.TryGetValue("Confirm", out var c);
        var confirmAsked = confirmBound && ((SwitchParameter)c!).IsPresent;
        if (!confirmAsked && bound.TryGetValue("Force", out var f) && ((SwitchParameter)f).IsPresent)
        {
            WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\" (-Force).");
            return true;
        }

        if ((confirmBound ? confirmAsked : WouldConfirm()) && !IsInteractive())
        {
            ThrowTerminatingError(ErrorMap.ConfirmationRequired(MyInvocation.MyCommand.Name, target, HasForce));
        }

        return ShouldProcess(target, action);
    }

    private bool HasForce => MyInvocation.MyCommand.Parameters.ContainsKey("Force");

    /// <summary>Whether ShouldProcess would prompt: the cmdlet's impact reaches $ConfirmPreference (None never prompts).</summary>
    private bool WouldConfirm()
    {
        var impact = GetType().GetCustomAttributes(typeof(CmdletAttribute), inherit: false).OfType<CmdletAttribute>().Single().ConfirmImpact;
        var preference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(GetVariableValue("ConfirmPreference"), out var p) ? p : ConfirmImpact.High;
        return preference != ConfirmImpact.None && impact != ConfirmImpact.None && impact >= preference;
    }

    /// <summary>
    /// The second factor for this command: the -Code value when given; otherwise a prompt through the host in an
    /// interactive session, or an immediate TwoFactorCodeRequired that names -Code when nobody can answer.
    /// </summary>
    internal TwoFactorProof ProofFrom(string? code) =>
        code is not null ? TwoFactorProof.FromCode(code) : new TwoFactorProof(new HostCodeSource(this));

    /// <summary>
    /// True only when a person can answer a prompt: never for -NonInteractive, redirected input (cron, Task
    /// Scheduler, CI), a host without a UI, or when $env:KEYADMIN_NONINTERACTIVE is set.
    /// </summary>
    internal bool IsInteractive()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KEYADMIN_NONINTERACTIVE")))
        {
            return false;
        }

        if (Host?.UI is null || string.Equals(Host.Name, "Default Host", StringComparison.Ordinal))
        {
            return false;
        }

        if (Environment.GetCommandLineArgs().Any(a => a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return string.Equals(Host.Name, "ConsoleHost", StringComparison.Ordinal)
            ? !Console.IsInputRedirected && Environment.UserInteractive
            : true;
    }

    private sealed class HostCodeSource : ITwoFactorCodeSource
    {
        private readonly KeyAdminCmdlet cmdlet;

        public HostCodeSource(KeyAdminCmdlet cmdlet) => this.cmdlet = cmdlet;

        public string GetCode(string accountName, string operation)
        {
            if (!cmdlet.IsInteractive())
            {
                throw new KeyAdminException(
                    KeyAdminError.TwoFactorCodeRequired,
                    $"{operation} for {StoreAdministrator.Describe(accountName)} needs an authenticator code and this session cannot prompt for one: pass -Code.",
                    accountName);
            }

            cmdlet.Host.UI.Write($"Authenticator code for {StoreAdministrator.Describe(accountName)} ({operation}): ");
            using var entered = cmdlet.Host.UI.ReadLineAsSecureString();
            var code = SecureText.ToPlain(entered).Trim();
            return code.Length == 0
                ? throw new KeyAdminException(KeyAdminError.TwoFactorCodeRequired, $"No authenticator code was entered for {StoreAdministrator.Describe(accountName)}.", accountName)
                : code;
        }
    }
}
