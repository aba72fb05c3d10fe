using System.Runtime.CompilerServices;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// The test process's environment, isolated before any test runs: a throw-away HOME and data folders (so that no
/// test sees the administrator's modules, profile, SecretStore or KeyAdmin store, nor writes there), no KEYADMIN_*
/// variable from the shell that started the run, and a module path of the test run's own. Every runspace of the
/// suite reads these (an $env: variable is the process's), so tests pass alike on a developer's machine and in CI.
/// </summary>
internal static class TestEnvironment
{
    public static string Sandbox { get; } = Path.Combine(Path.GetTempPath(), "keyadmin-tests", "env-" + Environment.ProcessId);

    [ModuleInitializer]
    internal static void Isolate()
    {
        var home = Directory.CreateDirectory(Path.Combine(Sandbox, "home")).FullName;
        var modules = Directory.CreateDirectory(Path.Combine(Sandbox, "modules")).FullName;
        Environment.SetEnvironmentVariable("HOME", home);
        Environment.SetEnvironmentVariable("USERPROFILE", home);
        Environment.SetEnvironmentVariable("LOCALAPPDATA", Directory.CreateDirectory(Path.Combine(Sandbox, "localappdata")).FullName);
        Environment.SetEnvironmentVariable("APPDATA", Directory.CreateDirectory(Path.Combine(Sandbox, "appdata")).FullName);
        foreach (var name in new[] { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "KEYADMIN_STORE", "KEYADMIN_KEY_FILE", "KEYADMIN_NONINTERACTIVE" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        // The engine adds its own folders (the user's, now under the sandbox; the machine's shared one; its own)
        // to whatever this names. Tests that need SecretManagement import the stand-in by path.
        Environment.SetEnvironmentVariable("PSModulePath", modules);
    }
}
