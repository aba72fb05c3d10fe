using System.Collections;

namespace KeyAdmin;

/// <summary>
/// A list of words (permissions, IP addresses and ranges) that exports well as it is: ConvertTo-Json writes it as
/// an array of strings, Export-Csv and Format-Table as the words joined by ", " (a plain string[] would be
/// "System.String[]" in a CSV), and -contains tests membership.
/// </summary>
public sealed class TextList : IReadOnlyList<string>
{
    private readonly string[] items;

    public TextList(IEnumerable<string> items) => this.items = items.ToArray();

    public int Count => items.Length;

    public string this[int index] => items[index];

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();

    public override string ToString() => string.Join(", ", items);

    /// <summary>The permissions a flags value holds, by name, in their declared order (Read, Trade, Transfer, Withdraw).</summary>
    // The words of each combination, worked out once: every listed key shows its permissions (a new list each time,
    // so that what a script attaches to one key's list stays on that key).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Core.Keys.ApiKeyPermission, string[]> PermissionWords = new();

    internal static TextList Of(Core.Keys.ApiKeyPermission permissions) =>
        new(PermissionWords.GetOrAdd(permissions, static all => Enum.GetValues<Core.Keys.ApiKeyPermission>().Where(p => p != 0 && all.HasFlag(p)).Select(p => p.ToString()).ToArray()));
}
