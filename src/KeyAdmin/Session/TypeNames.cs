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

    public void OnImport()
    {
        var accelerators = Accelerators();
        var existing = (IDictionary<string, Type>)accelerators.GetProperty("Get")!.GetValue(null)!;
        foreach (var type in Exposed.Where(t => !existing.ContainsKey(t.FullName!)))
        {
            accelerators.GetMethod("Add", new[] { typeof(string), typeof(Type) })!.Invoke(null, new object[] { type.FullName!, type });
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        var accelerators = Accelerators();
        var existing = (IDictionary<string, Type>)accelerators.GetProperty("Get")!.GetValue(null)!;
        foreach (var type in Exposed.Where(t => existing.TryGetValue(t.FullName!, out var registered) && registered == t))
        {
            accelerators.GetMethod("Remove", new[] { typeof(string) })!.Invoke(null, new object[] { type.FullName! });
        }
    }

    private static Type Accelerators() =>
        typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators", throwOnError: true)!;
}
