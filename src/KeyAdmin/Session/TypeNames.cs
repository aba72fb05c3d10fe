using System.Management.Automation;
using System.Reflection;

namespace KeyAdmin.Session;

/// <summary>
/// Makes the core types that the module's parameters and the policy use nameable from scripts
/// ([KeyAdmin.Core.Keys.ApiKeyPermission], [KeyAdmin.Core.Compliance.ComplianceSeverity]'High' …). PowerShell
/// resolves type names only in the default load context, and the core lives in a private one; so, as Microsoft's
/// documentation suggests for module types, they are registered as type accelerators under their own full names
/// on import, and removed again by Remove-Module. Output objects are the module's own types (KeyAdmin.*), which
/// resolve as they are.
/// </summary>
public sealed class TypeNames : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    internal static readonly Type[] Exposed =
    {
        typeof(Core.Keys.ApiKeyPermission),
        typeof(Core.Keys.ApiKeyStatus),
        typeof(Core.Compliance.ComplianceRule),
        typeof(Core.Compliance.ComplianceSeverity),
        typeof(Core.Audit.AuditOutcome),
        typeof(Core.Policy.KeyAdminPolicy),
        typeof(Core.Verification.SigningScheme),
        typeof(Core.TwoFactor.AutomationScope),
    };

    // The accelerators are one table for the whole process, which PowerShell does not lock: runspaces that import
    // the module at once (ForEach-Object -Parallel, a host's pool) would otherwise write it at the same time. And
    // they are the process's: the names stay until the last runspace that imported the module removes it, so that
    // Remove-Module in one runspace does not take [KeyAdmin.Core.Keys.ApiKeyPermission] from the others.
    private static readonly object Gate = new();
    private static int imports;

    public void OnImport()
    {
        lock (Gate)
        {
            imports++;
            var accelerators = Accelerators();
            var existing = (IDictionary<string, Type>)accelerators.GetProperty("Get")!.GetValue(null)!;
            foreach (var type in Exposed.Where(t => !existing.ContainsKey(t.FullName!)))
            {
                accelerators.GetMethod("Add", new[] { typeof(string), typeof(Type) })!.Invoke(null, new object[] { type.FullName!, type });
            }
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (--imports > 0)
            {
                return;
            }

            imports = 0;
            var accelerators = Accelerators();
            var existing = (IDictionary<string, Type>)accelerators.GetProperty("Get")!.GetValue(null)!;
            foreach (var type in Exposed.Where(t => existing.TryGetValue(t.FullName!, out var registered) && registered == t))
            {
                accelerators.GetMethod("Remove", new[] { typeof(string) })!.Invoke(null, new object[] { type.FullName! });
            }
        }
    }

    private static Type Accelerators() =>
        typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators", throwOnError: true)!;
}
