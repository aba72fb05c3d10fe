using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Security;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// Everything an administrator can see of a store, as text: every key (deleted ones too), every account,
/// every authenticator (revoked ones too, with their last use, so that a spent code shows), the store
/// administrator's authenticators and the policy.
/// Two equal snapshots mean that a command changed nothing a user could observe.
/// </summary>
public static class StoreSnapshot
{
    private const string Script = """
        Get-ApiKey -Status Enabled, Disabled, Expired, Deleted
        Get-KeyAdminAccount
        Get-KeyAdminAccount | ForEach-Object { Get-KeyAdminAuthenticator -Account $_.Name -IncludeRevoked }
        Get-KeyAdminAuthenticator -StoreAdministrator -IncludeRevoked -ErrorAction SilentlyContinue
        Get-KeyAdminPolicy
        Get-KeyAdminStore
        """;

    public static string Take(ModuleSession session)
    {
        var result = session.Run(Script).ThrowOnError();
        return string.Join("\n", result.Output.Select(Describe).Order(StringComparer.Ordinal));
    }

    public static string Describe(PSObject value) =>
        value.BaseObject.GetType().Name + " { " +
        string.Join("; ", value.Properties.Select(p => p.Name + "=" + Text(SafeValue(p)))) + " }";

    private static object? SafeValue(PSPropertyInfo property)
    {
        try
        {
            return property.Value;
        }
        catch (GetValueException)
        {
            return "<unreadable>";
        }
    }

    private static string Text(object? value) => value switch
    {
        null => "null",
        PSObject wrapped => Text(wrapped.BaseObject),
        string s => s,
        SecureString => "<SecureString>",
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(",", items.Cast<object?>().Select(Text)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
