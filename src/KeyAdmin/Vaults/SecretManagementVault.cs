using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Security;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Vaults;

namespace KeyAdmin.Vaults;

/// <summary>
/// A registered SecretManagement vault, reached only through Microsoft.PowerShell.SecretManagement's public
/// cmdlets, module-qualified, with every value passed as an argument (never as script text). Runs nested in the
/// calling cmdlet's runspace, so it must be used from that cmdlet's pipeline thread.
/// </summary>
internal sealed class SecretManagementVault : ICredentialVault
{
    private const string Module = "Microsoft.PowerShell.SecretManagement";

    private SecretManagementVault(string name) => Name = name;

    public string Name { get; }

    /// <summary>The vault, checked to exist; SecretManagement missing or the vault unregistered is an error that says what to do.</summary>
    public static SecretManagementVault Open(string name)
    {
        var vault = new SecretManagementVault(name);
        var found = vault.Invoke("Get-SecretVault", new Hashtable { ["Name"] = name }, notFound: KeyAdminError.VaultNotFound);
        if (found.Count == 0)
        {
            throw new KeyAdminException(KeyAdminError.VaultNotFound, $"There is no registered vault '{name}' (Get-SecretVault lists them; Register-SecretVault adds one).", name);
        }

        return vault;
    }

    public VaultCredential? Read(string secretName) => ReadValue(secretName) switch
    {
        null => null,
        PSCredential credential => new VaultCredential(credential.UserName, credential.Password),
        Hashtable { } entry when entry["KeyId"] is string keyId && entry["Secret"] is SecureString secret =>
            new VaultCredential(keyId, secret) { Passphrase = entry["Passphrase"] as SecureString },
        SecureString secure => new VaultCredential(string.Empty, secure),
        _ => new VaultCredential(string.Empty, new SecureString()),
    };

    /// <summary>
    /// A key without a passphrase as a PSCredential (user name = key id, password = secret); a key with one as a
    /// Hashtable of KeyId (string), Secret and Passphrase (SecureStrings), so an application reads all three from
    /// one entry: (Get-Secret name).Passphrase.
    /// </summary>
    public void Write(string secretName, VaultCredential credential, IReadOnlyDictionary<string, object> metadata)
    {
        var table = new Hashtable();
        foreach (var (key, value) in metadata)
        {
            table[key] = value;
        }

        Invoke("Set-Secret", new Hashtable
        {
            ["Name"] = secretName,
            ["Vault"] = Name,
            ["Secret"] = credential.Passphrase is null
                ? new PSCredential(credential.KeyId, credential.Secret)
                : new Hashtable { ["KeyId"] = credential.KeyId, ["Secret"] = credential.Secret, ["Passphrase"] = credential.Passphrase },
            ["Metadata"] = table,
        });
    }

    /// <summary>Any secret stored under <paramref name="secretName"/> as the vault returns it, or null when there is none.</summary>
    public object? ReadValue(string secretName)
    {
        var info = Invoke("Get-SecretInfo", new Hashtable { ["Name"] = WildcardPattern.Escape(secretName), ["Vault"] = Name });
        return info.Any(i => string.Equals(i.Properties["Name"]?.Value?.ToString(), secretName, StringComparison.OrdinalIgnoreCase))
            ? Invoke("Get-Secret", new Hashtable { ["Name"] = secretName, ["Vault"] = Name }).FirstOrDefault()?.BaseObject
            : null;
    }

    /// <summary>Stores a secret that is not a key credential (the key-encryption key), refusing to replace an existing one.</summary>
    public void WriteValue(string secretName, object value, Hashtable metadata) =>
        Invoke("Set-Secret", new Hashtable { ["Name"] = secretName, ["Vault"] = Name, ["Secret"] = value, ["Metadata"] = metadata, ["NoClobber"] = true });

    public void Remove(string secretName) =>
        Invoke("Remove-Secret", new Hashtable { ["Name"] = secretName, ["Vault"] = Name });

    public IEnumerable<VaultEntry> ListDelivered()
    {
        foreach (var info in Invoke("Get-SecretInfo", new Hashtable { ["Vault"] = Name }))
        {
            if (info.Properties["Metadata"]?.Value is IDictionary metadata && metadata["KeyId"]?.ToString() is { Length: > 0 } keyId)
            {
                yield return new VaultEntry(info.Properties["Name"]?.Value?.ToString() ?? string.Empty, keyId, metadata["KeyAdminStoreId"]?.ToString());
            }
        }
    }

    private Collection<PSObject> Invoke(string command, Hashtable parameters, KeyAdminError notFound = KeyAdminError.VaultUnavailable)
    {
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand(Module + "\\" + command);
        foreach (DictionaryEntry parameter in parameters)
        {
            shell.AddParameter((string)parameter.Key, parameter.Value);
        }

        shell.AddParameter("ErrorAction", ActionPreference.Stop);
        try
        {
            return shell.Invoke();
        }
        catch (CommandNotFoundException e)
        {
            throw new KeyAdminException(
                KeyAdminError.SecretManagementMissing,
                $"{command} of {Module} is not available: Install-Module {Module} (and a vault such as Microsoft.PowerShell.SecretStore), then Register-SecretVault.",
                Name,
                e);
        }
        catch (RuntimeException e)
        {
            // SecretManagement's messages name the vault and the secret's name, never its value.
            throw new KeyAdminException(notFound, $"Vault '{Name}': {command} failed: {e.Message}", Name, e);
        }
    }
}
