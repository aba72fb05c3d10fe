namespace KeyAdmin.Core.Crypto;

/// <summary>
/// Where the key-encryption key lives: never in the store itself, so a copy of the database alone reveals no
/// secret. A file beside the store by default; a SecretManagement vault entry through the module's adapter.
/// </summary>
public interface IKeyEncryptionKeySource
{
    /// <summary>Where the key is, for Get-KeyAdminStore and error messages (a path or a vault entry name).</summary>
    string Description { get; }

    /// <summary>Returns the 32-byte key, or null when it does not exist yet.</summary>
    byte[]? Load();

    /// <summary>Creates and persists a new key; returns the key that is persisted (another process may have won the race).</summary>
    byte[] Create();
}
