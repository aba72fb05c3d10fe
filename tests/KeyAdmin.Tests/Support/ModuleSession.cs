using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// A fresh PowerShell runspace with the built module folder imported and its own throw-away store,
/// driven the way an administrator's script drives it.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    private readonly Runspace runspace;

    public ModuleSession(PSHost? host = null, bool connect = true)
    {
        Directory = TempFolder.Create();
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        runspace = host is null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        Run("Import-Module -Name $args[0] -ErrorAction Stop", ModulePaths.Manifest).ThrowOnError();
        StorePath = Path.Combine(Directory, "store", "keyadmin.db");
        if (connect)
        {
            Run("Connect-KeyAdminStore -Path $args[0] -Create", StorePath).ThrowOnError();
        }
    }

    public string Directory { get; }

    public string StorePath { get; }

    /// <summary>Runs a script with positional arguments ($args) and collects all streams.</summary>
    public ScriptResult Run(string script, params object?[] args)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript(script);
        foreach (var arg in args)
        {
            shell.AddArgument(arg);
        }

        Collection<PSObject> output;
        Exception? terminating = null;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException e)
        {
            output = new Collection<PSObject>();
            terminating = e;
        }

        return new ScriptResult(
            output.ToList(),
            shell.Streams.Error.ToList(),
            shell.Streams.Warning.Select(w => w.Message).ToList(),
            shell.Streams.Verbose.Select(v => v.Message).ToList(),
            terminating)
        {
            Information = shell.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
            Debug = shell.Streams.Debug.Select(d => d.Message).ToList(),
        };
    }

    /// <summary>A session with the SecretManagement stand-in imported, a vault "Prod" registered, and a confirmed account.</summary>
    public static ModuleSession WithTestVault(out AccountHandle desk)
    {
        var session = new ModuleSession();
        session.Run("Import-Module $args[0]; Register-TestVault -Name Prod", ModulePaths.SecretManagementStandIn).ThrowOnError();
        desk = session.NewConfirmedAccount();
        return session;
    }

    /// <summary>Creates an account, confirms its authenticator and returns the base32 seed for computing codes.</summary>
    public AccountHandle NewConfirmedAccount(string name = "desk", string? email = null)
    {
        var account = NewPendingAccount(name, email);
        Run("Confirm-KeyAdminAuthenticator -Account $args[0] -Code $args[1]", name, account.NextCode()).ThrowOnError();
        return account;
    }

    /// <summary>Creates an account whose enrolment is still pending; the handle computes codes of that enrolment.</summary>
    public AccountHandle NewPendingAccount(string name, string? email = null)
    {
        var enrollment = Run("New-KeyAdminAccount -Name $args[0] -Email $args[1]", name, email ?? name + "@example.com").Single();
        return Handle(name, enrollment);
    }

    /// <summary>Enrols and confirms the store administrator; the handle computes its codes.</summary>
    public AccountHandle NewStoreAdministrator()
    {
        var enrollment = Run("New-KeyAdminStoreAdministrator -Email security@example.com").Single();
        var administrator = Handle("(store)", enrollment);
        Run("Confirm-KeyAdminAuthenticator -StoreAdministrator -Code $args[0]", administrator.NextCode()).ThrowOnError();
        return administrator;
    }

    private static AccountHandle Handle(string name, PSObject enrollment) => new(
        name,
        Secure.ToPlain(enrollment.Property("Secret")),
        ((System.Security.SecureString[])enrollment.Property("RecoveryCodes")!).Select(c => Secure.ToPlain(c)).ToList());

    public void Dispose()
    {
        runspace.Dispose();
        TempFolder.Delete(Directory);
    }
}

/// <summary>What a script produced, stream by stream.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Verbose,
    Exception? Terminating)
{
    public IReadOnlyList<string> Information { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Debug { get; init; } = Array.Empty<string>();

    /// <summary>The terminating error's record, if the script was stopped by one.</summary>
    public ErrorRecord? TerminatingRecord => Terminating switch
    {
        ActionPreferenceStopException stop => stop.ErrorRecord,
        IContainsErrorRecord record => record.ErrorRecord,
        _ => null,
    };

    /// <summary>Every error record, terminating first.</summary>
    public IReadOnlyList<ErrorRecord> AllErrors =>
        (TerminatingRecord is { } record ? new[] { record } : Array.Empty<ErrorRecord>()).Concat(Errors).ToList();

    /// <summary>The one error the script reported, terminating or not; fails unless there was exactly one.</summary>
    public ErrorRecord OnlyError()
    {
        var all = AllErrors;
        Assert.True(all.Count == 1, $"Expected exactly one error, got {all.Count}: {string.Join("; ", all.Select(e => e.FullyQualifiedErrorId))}");
        return all[0];
    }

    public PSObject Single()
    {
        ThrowOnError();
        Assert.Single(Output);
        return Output[0];
    }

    public ScriptResult ThrowOnError()
    {
        if (Terminating is not null || Errors.Count > 0)
        {
            var message = Terminating is IContainsErrorRecord { ErrorRecord: var record }
                ? $"{record.FullyQualifiedErrorId}: {Terminating.Message} {record.InvocationInfo?.PositionMessage}"
                : Terminating?.Message ?? string.Join("; ", Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e.Exception.Message} {e.InvocationInfo?.PositionMessage}"));
            throw new Xunit.Sdk.XunitException("The script failed: " + message);
        }

        return this;
    }

    /// <summary>The error id of the one error the script reported, terminating or not.</summary>
    public string ErrorId()
    {
        if (Terminating is ActionPreferenceStopException stop)
        {
            return stop.ErrorRecord.FullyQualifiedErrorId;
        }

        if (Terminating is IContainsErrorRecord record)
        {
            return record.ErrorRecord.FullyQualifiedErrorId;
        }

        Assert.NotEmpty(Errors);
        return Errors[0].FullyQualifiedErrorId;
    }
}

public static class PSObjectExtensions
{
    public static object? Property(this PSObject value, string name) => value.Properties[name]?.Value;

    public static string? Text(this PSObject value, string name) => value.Properties[name]?.Value?.ToString();
}

/// <summary>Where the built module is: out/KeyAdmin/ at the top of the repository.</summary>
public static class ModulePaths
{
    public static string Root { get; } = FindRoot();

    public static string ModuleFolder => Path.Combine(Root, "out", "KeyAdmin");

    public static string Manifest => Path.Combine(ModuleFolder, "KeyAdmin.psd1");

    /// <summary>The stand-in for Microsoft.PowerShell.SecretManagement (in-memory vaults with failure switches).</summary>
    public static string SecretManagementStandIn => Path.Combine(
        AppContext.BaseDirectory, "Support", "SecretManagement", "Microsoft.PowerShell.SecretManagement", "Microsoft.PowerShell.SecretManagement.psd1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KeyAdmin.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("KeyAdmin.sln not found above " + AppContext.BaseDirectory);
    }
}
