using System.Management.Automation;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// A store that cannot be used ends the command (it is set-up, not an item), names the path, and leaves the
/// session on the store it had and the faulty file as it was.
/// </summary>
public sealed class StoreFaultTests
{
    /// <summary>try/catch in the script sees only terminating errors: it prints the id and category of what it caught.</summary>
    private const string ConnectCatching = """
        try { Connect-KeyAdminStore -Path $args[0]; 'connected' }
        catch { $_.FullyQualifiedErrorId; [string]$_.CategoryInfo.Category; [string]$_.TargetObject }
        """;

    [Fact]
    public void Connect_WhereTheParentFolderIsAFile_TerminatesWithStoreUnavailable()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a");
        var blocker = Path.Combine(session.Directory, "blocker");
        File.WriteAllText(blocker, "a plain file where a folder should be");
        var path = Path.Combine(blocker, "keyadmin.db");

        var caught = session.Run(ConnectCatching, path).ThrowOnError().Output.Select(o => o.ToString()).ToArray();

        Assert.Equal(3, caught.Length);
        Assert.StartsWith("KeyAdmin.StoreUnavailable,KeyAdmin.Cmdlets.Stores.ConnectKeyAdminStoreCommand", caught[0], StringComparison.Ordinal);
        Assert.Equal(nameof(ErrorCategory.ResourceUnavailable), caught[1]);
        Assert.Equal(path, caught[2]);
        StillOnTheFirstStore(session);
    }

    [Fact]
    public void Connect_ToACorruptDatabaseFile_TerminatesWithStoreCorruptAndLeavesTheFileAlone()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a");
        var corrupt = Path.Combine(session.Directory, "corrupt.db");
        var bytes = new byte[8192];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(corrupt, bytes);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(corrupt, UnixFileMode.UserRead | UnixFileMode.UserWrite); // only its contents are wrong
        }

        var caught = session.Run(ConnectCatching, corrupt).ThrowOnError().Output.Select(o => o.ToString()).ToArray();

        Assert.Equal(3, caught.Length);
        Assert.StartsWith("KeyAdmin.StoreCorrupt,", caught[0], StringComparison.Ordinal);
        Assert.Equal(nameof(ErrorCategory.InvalidData), caught[1]);
        Assert.Equal(corrupt, caught[2]);
        Assert.Equal(bytes, File.ReadAllBytes(corrupt));
        StillOnTheFirstStore(session);
    }

    [Fact]
    public void Connect_ToAStoreFromANewerSchema_TerminatesWithStoreSchemaTooNewAndLeavesTheFileAlone()
    {
        var folder = TempFolder.Create();
        try
        {
            var newer = WrittenAndClosedStore(folder);

            // Claim a future schema in the header's user_version (offset 60, big-endian).
            var bytes = File.ReadAllBytes(newer);
            Assert.True(bytes.Length >= 100, "The closed store's main file holds no header yet.");
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(60, 4), 999);
            File.WriteAllBytes(newer, bytes);

            using var session = new ModuleSession();
            var caught = session.Run(ConnectCatching, newer).ThrowOnError().Output.Select(o => o.ToString()).ToArray();

            Assert.StartsWith("KeyAdmin.StoreSchemaTooNew,", caught[0], StringComparison.Ordinal);
            Assert.Equal(nameof(ErrorCategory.InvalidData), caught[1]);
            Assert.Equal(bytes, File.ReadAllBytes(newer));
            Assert.Equal(session.StorePath, session.Run("Get-KeyAdminStore").Single().Text("Location"));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public void Connect_WithoutItsKeyEncryptionKey_TerminatesWithKeyEncryptionKeyMissing()
    {
        var folder = TempFolder.Create();
        try
        {
            var store = WrittenAndClosedStore(folder);
            var missingKey = Path.Combine(folder, "elsewhere.kek");

            using var session = new ModuleSession();
            var caught = session.Run(
                "try { Connect-KeyAdminStore -Path $args[0] -KeyFile $args[1]; 'connected' } catch { $_.FullyQualifiedErrorId; [string]$_.CategoryInfo.Category }",
                store,
                missingKey).ThrowOnError().Output.Select(o => o.ToString()).ToArray();

            Assert.StartsWith("KeyAdmin.KeyEncryptionKeyMissing,", caught[0], StringComparison.Ordinal);
            Assert.Equal(nameof(ErrorCategory.SecurityError), caught[1]);
            Assert.False(File.Exists(missingKey), "A refused connection created a key-encryption key.");
            Assert.Equal(session.StorePath, session.Run("Get-KeyAdminStore").Single().Text("Location"));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    /// <summary>A store with one account in <paramref name="folder"/>, written by a session that has since closed.</summary>
    private static string WrittenAndClosedStore(string folder)
    {
        var path = Path.Combine(folder, "closed.db");
        using (var writer = new ModuleSession(connect: false))
        {
            writer.Run("Connect-KeyAdminStore -Path $args[0]", path).ThrowOnError();
            writer.NewPendingAccount("desk");
        }

        // Closing the last connection folds the WAL into the file; wait for that rather than for a fixed time.
        for (var i = 0; i < 50 && File.Exists(path + "-wal"); i++)
        {
            Thread.Sleep(100);
        }

        Assert.False(File.Exists(path + "-wal"), "The closed session left its WAL behind.");
        return path;
    }

    private static void StillOnTheFirstStore(ModuleSession session)
    {
        var store = session.Run("Get-KeyAdminStore").Single();
        Assert.Equal(session.StorePath, store.Text("Location"));
        Assert.Equal(new[] { "bot-a" }, session.KeyNames("desk"));
    }
}
