using System.Management.Automation;
using KeyAdmin.Core.Keys;

namespace KeyAdmin.Cmdlets.Keys;

/// <summary>
/// The three ways to name the keys a command acts on: by id (also from any object with a KeyId property),
/// by account and name (wildcards allowed), or as ApiKeyInfo objects from Get-ApiKey.
/// </summary>
public abstract class ApiKeyTargetCmdlet : KeyAdminCmdlet
{
    protected const string ById = "ById";
    protected const string ByName = "ByName";
    protected const string ByInputObject = "InputObject";

    // By value too, so that plain ids pipe in ('kak_…' | Disable-ApiKey); Get-ApiKey's objects bind InputObject first.
    [Parameter(ParameterSetName = ById, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.KeyIdCompleter))]
    public string[] KeyId { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ByName, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    [Parameter(ParameterSetName = ByName, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.KeyNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ByInputObject, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ApiKeyInfo[] InputObject { get; set; } = Array.Empty<ApiKeyInfo>();

    /// <summary>Calls <paramref name="act"/> for each key named; a key that cannot be found is a per-item error.</summary>
    protected void ForEachTarget(Action<ApiKey> act)
    {
        switch (ParameterSetName)
        {
            case ByInputObject:
                foreach (var info in InputObject)
                {
                    PerItem(info.KeyId, () => act(Authority.Keys.Get(info.KeyId)));
                }

                break;
            case ByName:
                foreach (var name in Name)
                {
                    PerItem(name, () =>
                    {
                        if (!WildcardPattern.ContainsWildcardCharacters(name))
                        {
                            act(Authority.Keys.Get(Account, name));
                            return;
                        }

                        var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                        foreach (var key in Authority.Keys.List(Account).Where(k => pattern.IsMatch(k.Name)).ToList())
                        {
                            PerItem(key.KeyId, () => act(key));
                        }
                    });
                }

                break;
            default:
                foreach (var id in KeyId)
                {
                    PerItem(id, () => act(Authority.Keys.Get(id)));
                }

                break;
        }
    }

    protected static string Describe(ApiKey key) => $"{key.AccountName}/{key.Name} ({key.KeyId})";

    protected ApiKeyInfo Info(ApiKey key) => new(key, DateTimeOffset.UtcNow);
}
