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
        byte[]? bytes;
        try
        {
            // A key someone else could have planted, or can read, is no key: refused before it is used, judged on the
            // file that was opened (not only on the path looked at a moment before).
            bytes = OwnerOnlyFile.ReadSafe(Path, "key-encryption key");
            if (bytes is null)
            {
                return null;
            }
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

    private bool IsComplete()
    {
        try
        {
            using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return file.Length >= 32;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public byte[] Create()
    {
        var key = SecretBox.NewKey();
        if (OwnerOnlyFile.TryCreateNew(Path, key))
        {
            return key;
        }

        // Another process created it first: use theirs, so both agree with the store's fingerprint. CreateNew
        // decides the winner atomically, but the winner may still hold the file open, or not have written its
        // 32 bytes yet: wait for them (briefly) before reading.
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(5) && !IsComplete())
        {
            Thread.Sleep(10);
        }

        return Load() ?? throw new KeyAdminException(KeyAdminError.KeyEncryptionKeyMissing, $"The key-encryption key file '{Path}' vanished while it was created.", Path);
    }
}
