using System.Management.Automation;

namespace KeyAdmin.Tests.Support;

/// <summary>Set-up steps that many tests share, each as an administrator would type it.</summary>
public static class Scenarios
{
    /// <summary>Creates keys (Read only) for <paramref name="account"/> in one New-ApiKey command: one code for all.</summary>
    public static IReadOnlyList<PSObject> NewKeys(this ModuleSession session, AccountHandle account, params string[] names)
    {
        var result = session.Run(
            """
            $account = $args[0]; $code = $args[1]
            $args[2] | ForEach-Object { [pscustomobject]@{ Account = $account; Name = $_ } } | New-ApiKey -Code $code
            """,
            account.Name,
            account.NextCode(),
            names).ThrowOnError();
        Assert.Equal(names.Length, result.Output.Count);
        return result.Output;
    }

    /// <summary>The id of a key by account and name.</summary>
    public static string KeyId(this ModuleSession session, string account, string name) =>
        session.Run("Get-ApiKey -Account $args[0] -Name $args[1]", account, name).Single().Text("KeyId")!;

    /// <summary>Name → status of the account's keys that are not deleted.</summary>
    public static Dictionary<string, string> Statuses(this ModuleSession session, string account) =>
        session.Run("Get-ApiKey -Account $args[0]", account).ThrowOnError().Output
            .ToDictionary(k => k.Text("Name")!, k => k.Text("Status")!);

    /// <summary>The names of the account's keys that are not deleted, sorted.</summary>
    public static string[] KeyNames(this ModuleSession session, string account) =>
        session.Statuses(account).Keys.Order(StringComparer.Ordinal).ToArray();

    public static void Disable(this ModuleSession session, params string[] keyIds) =>
        session.Run("Disable-ApiKey -KeyId $args[0] -Confirm:$false", new object?[] { keyIds }).ThrowOnError();
}
