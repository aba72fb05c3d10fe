using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.Crypto;

/// <summary>The default key-encryption key: 32 random bytes in an owner-only file.</summary>
public sealed class FileKeyEncryptionKeySource : IKeyEncryptionKeySource
{
    public FileKeyEncryptionKeySource(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public string Description => Path;

    public byte[]? Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyAdminException(KeyAdminError.KeyEncryptionKeyMissing, $"The key-encryption key file '{Path}' cannot be read: {e.Message}", Path, e);
        }

        if (bytes.Length != 32)
        {
            throw new KeyAdminException(KeyAdminError.KeyEncryptionKeyMismatch, $"The key-encryption key file '{Path}' does not hold a 32-byte key.", Path);
        }

        return bytes;
    }

    public byte[] Create()
    {
        var key = SecretBox.NewKey();
        if (OwnerOnlyFile.TryCreateNew(Path, key))
        {
            return key;
        }

        // Another process created it first: use theirs, so both agree with the store's fingerprint.
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        return Load() ?? throw new KeyAdminException(KeyAdminError.KeyEncryptionKeyMissing, $"The key-encryption key file '{Path}' vanished while it was created.", Path);
    }
}
