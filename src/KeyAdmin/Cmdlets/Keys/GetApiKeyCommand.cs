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

    [Parameter(ParameterSetName = ByFilter, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string? Account { get; set; }

    [Parameter(ParameterSetName = ByFilter, Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.KeyNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(Completion.KeyIdCompleter))]
    public string[] KeyId { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ByFilter)]
    public ApiKeyStatus[]? Status { get; set; }

    /// <summary>Keys that hold all of these permissions.</summary>
    [Parameter(ParameterSetName = ByFilter)]
    public ApiKeyPermission[]? Permission { get; set; }

    protected override void ProcessRecord()
    {
        var now = DateTimeOffset.UtcNow;
        if (ParameterSetName == ById)
        {
            foreach (var id in KeyId)
            {
                PerItem(id, () => WriteObject(new ApiKeyInfo(Authority.Keys.Get(id), now)));
            }

            return;
        }

        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        var wanted = Permission?.Aggregate((ApiKeyPermission)0, (all, p) => all | p) ?? 0;
        var includeDeleted = Status?.Contains(ApiKeyStatus.Deleted) == true;
        var matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Terminating(() =>
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
                var status = key.StatusAt(now);
                if ((Status is not null && !Status.Contains(status)) ||
                    (key.Permissions & wanted) != wanted ||
                    (patterns is not null && !patterns.Any(p => p.IsMatch(key.Name))))
                {
                    continue;
                }

                if (Name is not null)
                {
                    matched.UnionWith(Name.Where(n => string.Equals(n, key.Name, StringComparison.OrdinalIgnoreCase)));
                }

                WriteObject(new ApiKeyInfo(key, now));
            }

            return true;
        });

        // A name without wildcards that matched nothing is an error, as Get-Item reports a missing path.
        foreach (var name in Name?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !matched.Contains(n)) ?? Enumerable.Empty<string>())
        {
            WriteError(ErrorMap.ToErrorRecord(new Core.Errors.KeyAdminException(
                Core.Errors.KeyAdminError.KeyNotFound,
                Account is null ? $"There is no key named '{name}'." : $"Account '{Account}' has no key named '{name}'.",
                name)));
        }
    }
}
