using System.Reflection;
using System.Reflection.Emit;

namespace KeyAdmin.ScaleHost;

/// <summary>
/// The import baseline: a binary module with no commands (one empty public type) and a manifest like
/// KeyAdmin's, written with PersistedAssemblyBuilder so that no compiler is needed at run time.
/// </summary>
public static class EmptyModule
{
    public const string Name = "KeyAdminBenchEmpty";

    /// <summary>Writes the module into <paramref name="folder"/> unless it is there; returns its manifest.</summary>
    public static string Ensure(string folder)
    {
        var manifest = Path.Combine(folder, Name + ".psd1");
        if (File.Exists(manifest))
        {
            return manifest;
        }

        Directory.CreateDirectory(folder);
        var assembly = new PersistedAssemblyBuilder(new AssemblyName(Name) { Version = new Version(1, 0, 0, 0) }, typeof(object).Assembly);
        var module = assembly.DefineDynamicModule(Name);
        module.DefineType(Name + ".Marker", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Abstract | TypeAttributes.Class).CreateType();
        assembly.Save(Path.Combine(folder, Name + ".dll"));
        File.WriteAllText(manifest, $$"""
            @{
                RootModule           = '{{Name}}.dll'
                ModuleVersion        = '1.0.0'
                GUID                 = 'c5b0f6a2-6a43-4d8e-9b7e-0d1f2e3a4b5c'
                Author               = 'KeyAdmin benchmarks'
                Description          = 'An empty binary module: the baseline of the import measurement.'
                PowerShellVersion    = '7.4'
                CompatiblePSEditions = @('Core')
                CmdletsToExport      = @()
                FunctionsToExport    = @()
                AliasesToExport      = @()
                VariablesToExport    = @()
            }
            """);
        return manifest;
    }
}
