using System.Reflection;
using System.Runtime.Loader;

namespace KeyAdmin.Loader;

/// <summary>
/// The private context of KeyAdmin.Core: managed and native dependencies come from its deps.json, so the
/// right runtimes/&lt;rid&gt;/native library is chosen on Windows, Linux and macOS alike.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver resolver;

    public DependencyLoadContext(string coreAssemblyPath)
        : base("KeyAdmin.Dependencies", isCollectible: false)
    {
        resolver = new AssemblyDependencyResolver(coreAssemblyPath);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Framework assemblies resolve to null here and fall through to the shared default context.
        var path = resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
