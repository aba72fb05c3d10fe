using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace KeyAdmin.Loader;

/// <summary>
/// Sends every request for KeyAdmin.Core to a private load context rooted in the module's Dependencies folder.
/// </summary>
/// <remarks>
/// PowerShell loads KeyAdmin.dll into the default context, where other modules may already have loaded a
/// different SQLite or Otp.NET, and where PowerShell's own RID-folder probing does not reach our native
/// e_sqlite3. The core and its whole closure (managed and native) therefore live in one isolated context that
/// resolves through the core's deps.json, the way the .NET host resolves a plug-in.
/// This lives in its own assembly, imported as a nested module before the root module: PowerShell calls
/// GetExportedTypes on KeyAdmin.dll (whose types lay out core enums) before it runs any code of that assembly.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private const string CoreAssemblyName = "KeyAdmin.Core";
    private static readonly Lazy<DependencyLoadContext> Dependencies = new(CreateContext);
    private static readonly object Gate = new();
    private static bool registered;

    public void OnImport()
    {
        // Once per process, however many runspaces import the module; the handler stays for the process's life
        // because types from the private context may still be in use after Remove-Module. Under a lock, so that a
        // runspace importing at the same moment as the first does not go on before the handler is in place.
        lock (Gate)
        {
            if (!registered)
            {
                AssemblyLoadContext.Default.Resolving += ResolveCore;
                registered = true;
            }
        }
    }

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, CoreAssemblyName, StringComparison.Ordinal)
            ? Dependencies.Value.LoadFromAssemblyName(name)
            : null;

    private static DependencyLoadContext CreateContext()
    {
        var moduleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        return new DependencyLoadContext(Path.Combine(moduleFolder, "Dependencies", CoreAssemblyName + ".dll"));
    }
}
