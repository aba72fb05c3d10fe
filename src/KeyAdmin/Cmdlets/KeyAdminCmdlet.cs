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

    /// <summary>The authority over the session's store. A store that cannot be opened ends the command.</summary>
    internal KeyAdminAuthority Authority
    {
        get
        {
            if (authority is null)
            {
                try
                {
                    authority = Session.Open(ReadsOnly);
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
