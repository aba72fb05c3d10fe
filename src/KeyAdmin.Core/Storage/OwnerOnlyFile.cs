using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using KeyAdmin.Core.Errors;
using System.Security.AccessControl;
using System.Security.Principal;
using Microsoft.Win32.SafeHandles;

namespace KeyAdmin.Core.Storage;

/// <summary>Creates folders and files that only the current user can open (0700/0600, or a user-only ACL).</summary>
public static class OwnerOnlyFile
{
    private const UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void EnsureDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            new DirectoryInfo(path).Create(OwnerOnlyDirectorySecurity());
        }
        else
        {
            Directory.CreateDirectory(path, OwnerFolder);
        }
    }

    /// <summary>Creates <paramref name="path"/> with <paramref name="content"/>; false when it already exists.</summary>
    public static bool TryCreateNew(string path, ReadOnlySpan<byte> content)
    {
        try
        {
            using var stream = CreateNew(path);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary>
    /// Creates an empty owner-only file unless it exists, so that SQLite opens it rather than creating it
    /// world-readable; true when this call created it.
    /// </summary>
    public static bool EnsureFile(string path)
    {
        try
        {
            CreateNew(path).Dispose();
            return true;
        }
        catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            return false;
        }
    }

    /// <summary>
    /// Refuses an existing file that another local user could have planted or can read: it must be a regular file
    /// (not a link, judged without following it), owned by the current user, and open to nobody else (no group or
    /// other permission bits; on Windows, no access rule for anyone but the user, SYSTEM and Administrators).
    /// A missing file passes: it is created owner-only. <paramref name="what"/> names it in the error.
    /// </summary>
    public static void RequireSafe(string path, string what)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw Unsafe(path, what, $"it is a link (to '{info.LinkTarget}'), not a file");
        }

        if (!info.Exists)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            RequireSafeAcl(path, what);
            return;
        }

        RequireSafe(UnixStatus.Of(path), path, what);
    }

    /// <summary>
    /// The bytes of the owner-only file at <paramref name="path"/>; null when there is none. The file is judged as
    /// <see cref="RequireSafe(string, string)"/> judges it, and then again as it was opened: one that appeared, or was
    /// swapped in, between the look at the path and the open (a key that someone else chose) is refused too.
    /// </summary>
    public static byte[]? ReadSafe(string path, string what)
    {
        RequireSafe(path, what);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        using (handle)
        {
            if (!OperatingSystem.IsWindows())
            {
                RequireSafe(UnixStatus.Of(handle), path, what);
            }

            var bytes = new byte[RandomAccess.GetLength(handle)];
            var read = 0;
            while (read < bytes.Length && RandomAccess.Read(handle, bytes.AsSpan(read), read) is var n and > 0)
            {
                read += n;
            }

            return read == bytes.Length ? bytes : bytes[..read];
        }
    }

    /// <summary>
    /// Refuses a folder for a store that others may write to: whoever may write it may plant the store's write-ahead
    /// log or shared-memory file there (a file of theirs that SQLite then writes every change into), or swap the store
    /// between its check and its open. It must belong to the current user (or root) and be writable by nobody else.
    /// </summary>
    public static void RequireSafeFolder(string folder, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the folder KeyAdmin creates carries a user-only ACL; a chosen one is the user's to protect
        }

        var status = UnixStatus.OfFollowed(folder) ?? throw Unsafe(folder, what + " folder", "its owner cannot be read");
        if (status.Uid != UnixStatus.EffectiveUser() && status.Uid != 0)
        {
            throw Unsafe(folder, what + " folder", $"it belongs to user id {status.Uid}, not to the current user");
        }

        if ((status.Mode & 0x12) != 0)
        {
            throw Unsafe(folder, what + " folder",
                $"others may write to it (mode {Convert.ToString(status.Mode & 0xFFF, 8)}) and plant files beside the store: use a folder only you can write (chmod go-w '{folder}')");
        }
    }

    private static void RequireSafe(UnixStatus.Status? found, string path, string what)
    {
        var status = found ?? throw Unsafe(path, what, "its owner cannot be read");
        if ((status.Mode & UnixStatus.TypeMask) != UnixStatus.RegularFile)
        {
            throw Unsafe(path, what, "it is not a regular file");
        }

        if (status.Uid != UnixStatus.EffectiveUser())
        {
            throw Unsafe(path, what, $"it belongs to user id {status.Uid}, not to the current user");
        }

        if ((status.Mode & 0x3F) != 0)
        {
            throw Unsafe(path, what, $"others may open it (mode {Convert.ToString(status.Mode & 0x1FF, 8)}; it must be 600: chmod 600 '{path}')");
        }
    }

    private static KeyAdminException Unsafe(string path, string what, string problem) =>
        new(KeyAdminError.StoreFileUnsafe, $"The {what} file '{path}' is not safe to use: {problem}.", path);

    [SupportedOSPlatform("windows")]
    private static void RequireSafeAcl(string path, string what)
    {
        var security = new FileInfo(path).GetAccessControl();
        var user = CurrentUser();
        if (security.GetOwner(typeof(SecurityIdentifier)) is SecurityIdentifier owner && !owner.Equals(user) &&
            !owner.IsWellKnown(WellKnownSidType.BuiltinAdministratorsSid))
        {
            throw Unsafe(path, what, $"it is owned by {owner}, not by the current user");
        }

        foreach (FileSystemAccessRule rule in security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier)))
        {
            if (rule.AccessControlType == AccessControlType.Allow && rule.IdentityReference is SecurityIdentifier sid && !sid.Equals(user) &&
                !sid.IsWellKnown(WellKnownSidType.LocalSystemSid) && !sid.IsWellKnown(WellKnownSidType.BuiltinAdministratorsSid))
            {
                throw Unsafe(path, what, $"its access list lets {sid} open it (only the current user, SYSTEM and Administrators may)");
            }
        }
    }

    private static FileStream CreateNew(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileInfo(path).Create(
                FileMode.CreateNew, FileSystemRights.FullControl, FileShare.None, 4096, FileOptions.None, OwnerOnlyFileSecurity());
        }

        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = OwnerFile,
        });
    }

    [SupportedOSPlatform("windows")]
    private static FileSecurity OwnerOnlyFileSecurity()
    {
        var security = new FileSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(CurrentUser(), FileSystemRights.FullControl, AccessControlType.Allow));
        return security;
    }

    [SupportedOSPlatform("windows")]
    private static DirectorySecurity OwnerOnlyDirectorySecurity()
    {
        var security = new DirectorySecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(
            CurrentUser(),
            FileSystemRights.FullControl,
            InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit,
            PropagationFlags.None,
            AccessControlType.Allow));
        return security;
    }

    [SupportedOSPlatform("windows")]
    private static SecurityIdentifier CurrentUser() =>
        WindowsIdentity.GetCurrent().User ?? throw new InvalidOperationException("The current Windows user has no SID.");
}

/// <summary>
/// lstat through the .NET runtime's own native shim (System.Native, shipped with every .NET on Linux and macOS):
/// its FileStatus begins with Flags, Mode, Uid and Gid on every version and platform, which is all this reads.
/// </summary>
internal static partial class UnixStatus
{
    public const int TypeMask = 0xF000;
    public const int RegularFile = 0x8000;

    public readonly record struct Status(int Mode, uint Uid);

    /// <summary>The status of <paramref name="path"/> itself (a link is a link); null when it cannot be read.</summary>
    public static unsafe Status? Of(string path)
    {
        // Larger than any version's FileStatus: the shim writes the whole struct, this reads its first fields.
        var buffer = stackalloc byte[512];
        return LStat(path, buffer) == 0 ? Read(buffer) : null;
    }

    /// <summary>The status of what <paramref name="path"/> leads to, links followed.</summary>
    public static unsafe Status? OfFollowed(string path)
    {
        var buffer = stackalloc byte[512];
        return Stat(path, buffer) == 0 ? Read(buffer) : null;
    }

    /// <summary>The status of the file <paramref name="handle"/> has open, whatever its path names now.</summary>
    public static unsafe Status? Of(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[512];
        return FStat(handle, buffer) == 0 ? Read(buffer) : null;
    }

    public static uint EffectiveUser() => GetEUid();

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* output);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* output);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_FStat")]
    private static unsafe partial int FStat(SafeFileHandle fd, byte* output);

    private static unsafe Status Read(byte* buffer) => new(*(int*)(buffer + 4), *(uint*)(buffer + 8));

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_GetEUid")]
    private static partial uint GetEUid();
}
