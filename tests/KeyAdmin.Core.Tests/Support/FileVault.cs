using System.Net;
using System.Security;
using System.Text.Json;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Vaults;

namespace KeyAdmin.Core.Tests.Support;

/// <summary>
/// A vault in an owner-only JSON file, for tests whose vault must outlive a killed process (a SecretManagement
/// vault cannot be hosted here). Writes are atomic (temp file and rename), as a real vault's are.
/// </summary>
public sealed class FileVault : ICredentialVault
{
    private readonly string path;

    public FileVault(string path, string name = "TestVault")
    {
        this.path = path;
        Name = name;
    }

    public string Name { get; }

    /// <summary>When set, the next Write fails as a broken vault would.</summary>
    public bool FailWrites { get; set; }

    public VaultCredential? Read(string secretName) =>
        Load().TryGetValue(secretName, out var entry)
            ? new VaultCredential(entry.KeyId, Secure(entry.Secret)) { Passphrase = entry.Passphrase is null ? null : Secure(entry.Passphrase) }
            : null;

    public void Write(string secretName, VaultCredential credential, IReadOnlyDictionary<string, object> metadata)
    {
        if (FailWrites)
        {
            throw new KeyAdminException(KeyAdminError.VaultUnavailable, $"Vault '{Name}': the write failed.", Name);
        }

        var entries = Load();
        entries[secretName] = new Entry(
            credential.KeyId,
            new NetworkCredential(string.Empty, credential.Secret).Password,
            credential.Passphrase is null ? null : new NetworkCredential(string.Empty, credential.Passphrase).Password,
            metadata.ToDictionary(m => m.Key, m => Convert.ToString(m.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty));
        Save(entries);
    }

    public void Remove(string secretName)
    {
        var entries = Load();
        entries.Remove(secretName);
        Save(entries);
    }

    public IEnumerable<VaultEntry> ListDelivered() =>
        Load().Select(e => new VaultEntry(e.Key, e.Value.KeyId, e.Value.Metadata.GetValueOrDefault("KeyAdminStoreId"))).ToList();

    /// <summary>What the applications would read: the key id and secret as text, for the test to compare.</summary>
    public (string KeyId, string Secret)? Peek(string secretName) =>
        Load().TryGetValue(secretName, out var entry) ? (entry.KeyId, entry.Secret) : null;

    /// <summary>The passphrase the entry holds (null for a key without one), for the test to compare.</summary>
    public string? PeekPassphrase(string secretName) => Load().TryGetValue(secretName, out var entry) ? entry.Passphrase : null;

    private Dictionary<string, Entry> Load() =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? new() : new();

    private void Save(Dictionary<string, Entry> entries)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(entries));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    public sealed record Entry(string KeyId, string Secret, string? Passphrase, Dictionary<string, string> Metadata);
}
