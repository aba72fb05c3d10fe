namespace KeyAdmin.Core.Storage.Sqlite;

/// <summary>Initialises SQLitePCLRaw's provider once per process, before the first connection.</summary>
internal static class SqliteBootstrap
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;
}
