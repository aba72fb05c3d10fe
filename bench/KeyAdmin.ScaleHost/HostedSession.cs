using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KeyAdmin.ScaleHost;

/// <summary>A runspace of the hosted engine, as the engine-hosted tests open it; scripts that fail throw.</summary>
public sealed class HostedSession : IDisposable
{
    private readonly Runspace runspace;

    public HostedSession(params SessionStateCmdletEntry[] extraCmdlets)
    {
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        foreach (var cmdlet in extraCmdlets)
        {
            state.Commands.Add(cmdlet);
        }

        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
    }

    /// <summary>Runs a script with positional arguments ($args); throws on any error record.</summary>
    public Collection<PSObject> Run(string script, params object?[] args)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript(script);
        foreach (var arg in args)
        {
            shell.AddArgument(arg);
        }

        var output = shell.Invoke();
        if (shell.HadErrors || shell.Streams.Error.Count > 0)
        {
            var errors = string.Join("; ", shell.Streams.Error.Select(e => $"{e.FullyQualifiedErrorId}: {e.Exception.Message}"));
            throw new InvalidOperationException($"The script failed: {errors}");
        }

        return output;
    }

    /// <summary>Runs a script that ends with one number (a count) and returns it.</summary>
    public long RunCount(string script, params object?[] args)
    {
        var output = Run(script, args);
        return output.Count == 1 ? Convert.ToInt64(output[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"Expected one count, got {output.Count} objects.");
    }

    public void Dispose() => runspace.Dispose();
}
