using System.Management.Automation;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// <para type="synopsis">Lists API keys with status, permissions, binding, last use, expiry and memo; never secrets.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ApiKey", DefaultParameterSetName = ByFilter)]
[OutputType(typeof(ApiKeyInfo))]
public sealed class GetApiKeyCommand : KeyAdminCmdlet
{
    internal override bool ReadsOnly => true;

    private const string ByFilter = "ByFilter";
    private const string ById = "ById";

    /// <summary>
    /// Keys by id. Position 0, and by value and by property name from the pipeline ('kak_…' | Get-ApiKey, findings,
    /// audit records, keys), as Disable-ApiKey and the other key cmdlets take them. An object that carries a KeyId
    /// gets that key, even when it also names an account. (Declared first: the binder tries it first.)
    /// </summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(Completion.KeyIdCompleter))]
    public string[]? KeyId { get; set; }

    /// <summary>Only this account's keys; binds from Get-KeyAdminAccount's objects (Get-KeyAdminAccount desk | Get-ApiKey).</summary>
    [Parameter(ParameterSetName = ByFilter, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string? Account { get; set; }

    [Parameter(ParameterSetName = ByFilter)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.KeyNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ByFilter)]
    public ApiKeyStatus[]? Status { get; set; }

    /// <summary>Keys that hold all of these permissions.</summary>
    [Parameter(ParameterSetName = ByFilter)]
    public ApiKeyPermission[]? Permission { get; set; }

    protected override void ProcessRecord()
    {
        var now = DateTimeOffset.UtcNow;
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var wanted = Permission?.Aggregate((ApiKeyPermission)0, (all, p) => all | p) ?? 0;
        bool Matches(ApiKey key) =>
            (Status is null || Status.Contains(key.StatusAt(now))) &&
            (key.Permissions & wanted) == wanted &&
            (patterns is null || patterns.Any(p => p.IsMatch(key.Name)));

        if (ParameterSetName == ById)
        {
            foreach (var id in (KeyId ?? Array.Empty<string>()).Where(id => !string.IsNullOrEmpty(id)))
            {
                PerItem(id, () =>
                {
                    var key = Authority.Keys.Get(id);
                    if (Matches(key))
                    {
                        WriteObject(new ApiKeyInfo(key, now));
                    }
                });
            }

            return;
        }

        var includeDeleted = Status?.Contains(ApiKeyStatus.Deleted) == true;
        var matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // An unknown account is this item's problem (non-terminating, so -ErrorAction applies); a store that cannot
        // be opened still ends the command.
        _ = Authority;
        PerItem(Account, () =>
        {
            foreach (var row in Authority.Keys.ListChecked(Account, includeDeleted))
            {
                if (row.Tampered is { } tampered)
                {
                    // Reported where it stands, and the listing goes on: the other keys are still worth seeing.
                    WriteError(ErrorMap.ToErrorRecord(tampered));
                    continue;
                }

                var key = row.Value!;
                if (!Matches(key))
                {
                    continue;
                }

                if (Name is not null)
                {
                    matched.UnionWith(Name.Where(n => string.Equals(n, key.Name, StringComparison.OrdinalIgnoreCase)));
                }

                WriteObject(new ApiKeyInfo(key, now));
            }

            // A name without wildcards that matched nothing is an error, as Get-Item reports a missing path.
            foreach (var name in Name?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !matched.Contains(n)) ?? Enumerable.Empty<string>())
            {
                WriteError(ErrorMap.ToErrorRecord(new Core.Errors.KeyAdminException(
                    Core.Errors.KeyAdminError.KeyNotFound,
                    Account is null ? $"There is no key named '{name}'." : $"Account '{Account}' has no key named '{name}'.",
                    name)));
            }
        });
    }
}
