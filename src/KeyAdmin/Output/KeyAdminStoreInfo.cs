namespace KeyAdmin;

/// <summary>Which store a session uses, and why (Get-KeyAdminStore).</summary>
public sealed class KeyAdminStoreInfo
{
    internal KeyAdminStoreInfo(string engine, string location, string source, string keyEncryptionKey, bool exists, int? schemaVersion)
    {
        Engine = engine;
        Location = location;
        Source = source;
        KeyEncryptionKey = keyEncryptionKey;
        Exists = exists;
        SchemaVersion = schemaVersion;
    }

    public string Engine { get; }

    /// <summary>The database file (SQLite).</summary>
    public string Location { get; }

    /// <summary>What chose it: Connect-KeyAdminStore, $env:KEYADMIN_STORE or Default.</summary>
    public string Source { get; }

    /// <summary>Where the key-encryption key lives (never the key itself).</summary>
    public string KeyEncryptionKey { get; }

    public bool Exists { get; }

    /// <summary>The schema version once the store has been opened in this session.</summary>
    public int? SchemaVersion { get; }
}
