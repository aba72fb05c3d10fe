using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace KeyAdmin.Loading;

/// <summary>
/// Sends every request for KeyAdmin.Core to a private load context rooted in the module's Dependencies folder.
/// </summary>
/// <remarks>
/// PowerShell loads KeyAdmin.dll into the default context, where other modules may already have loaded a
/// different SQLite or Otp.NET, and where PowerShell's own RID-folder probing does not reach our native
/// e_sqlite3. The core and its whole closure (managed and native) therefore live in one isolated context
/// that resolves through the core's deps.json, the way the .NET host resolves a plug-in.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string CoreAssemblyName = "KeyAdmin.Core";
    private static readonly Lazy<DependencyLoadContext> Dependencies = new(CreateContext);
    private static int registrations;

    public void OnImport()
    {
        // A process may import the module into many runspaces; one handler serves them all.
        if (Interlocked.Increment(ref registrations) == 1)
        {
            AssemblyLoadContext.Default.Resolving += ResolveCore;
        }
    }

    public void OnRemove(PSModuleInfo module)
    {
        if (Interlocked.Decrement(ref registrations) == 0)
        {
            AssemblyLoadContext.Default.Resolving -= ResolveCore;
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
