namespace KeyAdmin.Core.Storage;

/// <summary>Where the embedded store lives when nobody says otherwise.</summary>
public static class StoreLocation
{
    public const string EnvironmentVariable = "KEYADMIN_STORE";
    public const string FileName = "keyadmin.db";

    /// <summary>$KEYADMIN_STORE, else the user's data folder: XDG on Linux, LocalAppData on Windows, Application Support on macOS.</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        return Path.Combine(DataFolder(), "KeyAdmin", FileName);
    }

    /// <summary>The key-encryption key file that belongs to a store file: the same name with ".kek".</summary>
    public static string KeyFileFor(string storePath) => storePath + ".kek";

    private static string DataFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            return Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
        {
            return Path.Combine(home, "Library", "Application Support");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".local", "share");
    }
}
