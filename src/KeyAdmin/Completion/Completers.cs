using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Errors;
using KeyAdmin.Session;

namespace KeyAdmin.Completion;

/// <summary>Shared by the completers: the session's store, opened only if it exists (completion never creates one).</summary>
internal static class CompletionStore
{
    public static KeyAdminAuthority? TryOpen()
    {
        var session = KeyAdminSession.ForCurrentRunspace();
        if (session.Current is { } open)
        {
            return open;
        }

        try
        {
            return session.Open(readOnly: true);
        }
        catch (KeyAdminException)
        {
            return null;
        }
    }

    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> candidates, string wordToComplete)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
        return candidates
            .Where(c => pattern.IsMatch(c))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(c => c, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c), c, CompletionResultType.ParameterValue, c));
    }

    private static string Quote(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || "'\"$`(){};,|&@#".Contains(c)) ? "'" + value.Replace("'", "''") + "'" : value;

    public static string? BoundAccount(IDictionary fakeBoundParameters) =>
        fakeBoundParameters.Contains("Account") ? fakeBoundParameters["Account"]?.ToString() : null;
}

/// <summary>Completes account names.</summary>
public sealed class AccountCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var authority = CompletionStore.TryOpen();
        return authority is null
            ? Enumerable.Empty<CompletionResult>()
            : CompletionStore.Complete(authority.Accounts.List().Select(a => a.Account.Name), wordToComplete);
    }
}

/// <summary>Completes key names, within the account already given with -Account when there is one.</summary>
public sealed class KeyNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var authority = CompletionStore.TryOpen();
        if (authority is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        try
        {
            return CompletionStore.Complete(authority.Keys.List(CompletionStore.BoundAccount(fakeBoundParameters)).Select(k => k.Name).ToList(), wordToComplete);
        }
        catch (KeyAdminException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
    }
}

/// <summary>Completes key ids, within the account already given with -Account when there is one.</summary>
public sealed class KeyIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var authority = CompletionStore.TryOpen();
        if (authority is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        try
        {
            return CompletionStore.Complete(authority.Keys.List(CompletionStore.BoundAccount(fakeBoundParameters)).Select(k => k.KeyId).ToList(), wordToComplete);
        }
        catch (KeyAdminException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
    }
}

/// <summary>Completes registered SecretManagement vault names (nothing when SecretManagement is absent).</summary>
public sealed class VaultCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddCommand("Microsoft.PowerShell.SecretManagement\\Get-SecretVault").AddParameter("ErrorAction", ActionPreference.Ignore);
            var names = shell.Invoke().Select(v => v.Properties["Name"]?.Value?.ToString()).OfType<string>().ToList();
            return CompletionStore.Complete(names, wordToComplete);
        }
        catch (RuntimeException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
    }
}

/// <summary>Completes the authenticator names of the account already given with -Account.</summary>
public sealed class AuthenticatorNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var account = CompletionStore.BoundAccount(fakeBoundParameters);
        var authority = account is null ? null : CompletionStore.TryOpen();
        if (authority is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        try
        {
            var names = authority.Authenticators.List(account!)
                .Where(a => a.Status != Core.TwoFactor.AuthenticatorStatus.Revoked)
                .Select(a => a.Name)
                .ToList();
            return CompletionStore.Complete(names, wordToComplete);
        }
        catch (KeyAdminException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
    }
}

/// <summary>Completes audit actions (Get-ApiKeyAuditLog -Action): every action the authority records, and each family with a wildcard.</summary>
public sealed class AuditActionCompleter : IArgumentCompleter
{
    internal static readonly string[] Actions = new[]
    {
        "Account.Create", "Account.Update", "Account.Remove",
        "ApiKey.Create", "ApiKey.Update", "ApiKey.Disable", "ApiKey.Enable", "ApiKey.Remove", "ApiKey.Deliver", "ApiKey.PendingDelivery", "ApiKey.Abandon",
        "Authenticator.Confirm", "Authenticator.Register", "Authenticator.Revoke", "Authenticator.Reset",
        "Authenticator.ResetCancel", "Authenticator.ResetComplete", "Authenticator.Resume", "RecoveryCode.Renew", "StoreAdministrator.Create",
        "Policy.Set", "Store.Create", "Store.Upgrade", "Store.TamperDetected", "TwoFactor.LockedOut", "TwoFactor.WithdrawalsLockedOut",
        "Verification.Refused", "Verification.Withdraw",
    }.Concat(Enum.GetNames<Core.Rotation.RotationState>().Select(s => "Rotation." + s)).ToArray();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionStore.Complete(Actions.Concat(Actions.Select(a => a[..a.IndexOf('.')] + ".*")), wordToComplete);
}

/// <summary>Completes rotation ids from the journal, the unfinished ones first being what Resume-ApiKeyRotation usually needs.</summary>
public sealed class RotationIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var authority = CompletionStore.TryOpen();
        if (authority is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        try
        {
            var unfinishedOnly = string.Equals(commandName, "Resume-ApiKeyRotation", StringComparison.OrdinalIgnoreCase);
            return CompletionStore.Complete(authority.Rotations.List(unfinishedOnly).Select(r => r.RotationId).ToList(), wordToComplete);
        }
        catch (KeyAdminException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
    }
}
