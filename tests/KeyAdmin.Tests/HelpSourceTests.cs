using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// The help generator that the module's build runs (tools/KeyAdmin.BuildTool): the shipped help is exactly what
/// the sources make, and help that falls behind the code fails the build with a message that says what to write
/// and where.
/// </summary>
public sealed partial class HelpSourceTests : IDisposable
{
    private static readonly string HelpSources = Path.Combine(ModulePaths.Root, "src", "KeyAdmin", "Help");
    private readonly string folder = TempFolder.Create();

    public void Dispose() => TempFolder.Delete(folder);

    [Fact]
    public void Help_FromTheRepositorysSources_IsExactlyTheShippedHelpFile()
    {
        var output = Path.Combine(folder, "KeyAdmin.dll-Help.xml");

        var (exitCode, text) = RunHelp(HelpSources, output);

        Assert.True(exitCode == 0, text);
        Assert.Equal(File.ReadAllText(Path.Combine(ModulePaths.ModuleFolder, "en-US", "KeyAdmin.dll-Help.xml")), File.ReadAllText(output));
    }

    [Fact]
    public void Help_WhenAParameterHasNoDescription_FailsNamingTheParameterAndTheFile()
    {
        var sources = CopySources();
        RemoveSection(Path.Combine(sources, "Disable-ApiKey.md"), "### -Reason");

        var (exitCode, text) = RunHelp(sources, Path.Combine(folder, "out.xml"));

        Assert.Equal(1, exitCode);
        Assert.Contains("Disable-ApiKey.md(1): error KAHELP: Disable-ApiKey -Reason has no description", text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "out.xml")), "Help was written although it is incomplete.");
    }

    [Fact]
    public void Help_WhenACmdletHasNoHelpFile_Fails()
    {
        var sources = CopySources();
        File.Delete(Path.Combine(sources, "Get-ApiKeyRotation.md"));

        var (exitCode, text) = RunHelp(sources, Path.Combine(folder, "out.xml"));

        Assert.Equal(1, exitCode);
        Assert.Contains("error KAHELP: Get-ApiKeyRotation has no help: create Get-ApiKeyRotation.md", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_WithOneExample_Fails()
    {
        var sources = CopySources();
        RemoveSection(Path.Combine(sources, "Enable-ApiKey.md"), "### Example 2");

        var (exitCode, text) = RunHelp(sources, Path.Combine(folder, "out.xml"));

        Assert.Equal(1, exitCode);
        Assert.Contains("Enable-ApiKey has 1 example(s); it needs at least two", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ForAParameterOrOutputThatDoesNotExist_Fails()
    {
        var sources = CopySources();
        var file = Path.Combine(sources, "Get-KeyAdminStore.md");
        File.WriteAllText(file, File.ReadAllText(file)
            .Replace("## OUTPUTS", "## PARAMETERS\n\n### -Force\nNo such parameter.\n\n## OUTPUTS", StringComparison.Ordinal)
            .Replace("### KeyAdmin.KeyAdminStoreInfo", "### KeyAdmin.StoreInfo", StringComparison.Ordinal));

        var (exitCode, text) = RunHelp(sources, Path.Combine(folder, "out.xml"));

        Assert.Equal(1, exitCode);
        Assert.Contains("Get-KeyAdminStore has no parameter -Force", text, StringComparison.Ordinal);
        Assert.Contains("Get-KeyAdminStore outputs KeyAdmin.KeyAdminStoreInfo ([OutputType]): describe it", text, StringComparison.Ordinal);
        Assert.Contains("Get-KeyAdminStore declares no output of type KeyAdmin.StoreInfo", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_WithoutAChangelogSectionForTheVersion_Fails()
    {
        var changelog = Path.Combine(folder, "CHANGELOG.md");
        File.WriteAllText(changelog, "# Changelog\n\n## 0.0.1\n- older\n");

        var (exitCode, text) = RunTool("manifest", "--source", Path.Combine(ModulePaths.Root, "KeyAdmin.psd1"), "--changelog", changelog,
            "--version", "9.9.9", "--output", Path.Combine(folder, "KeyAdmin.psd1"));

        Assert.Equal(1, exitCode);
        Assert.Contains("CHANGELOG.md has no '## 9.9.9' section", text, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output) RunHelp(string sources, string output) =>
        RunTool("help",
            "--assembly", Path.Combine(ModulePaths.ModuleFolder, "KeyAdmin.dll"),
            "--probe", Path.Combine(ModulePaths.ModuleFolder, "Dependencies"),
            "--source", sources,
            "--about", Path.Combine(ModulePaths.Root, "src", "KeyAdmin", "en-US"),
            "--output", output);

    private static (int ExitCode, string Output) RunTool(params string[] arguments)
    {
        var tool = typeof(HelpSourceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "KeyAdmin.BuildTool").Value!;
        // The dotnet that runs these tests (DOTNET_HOST_PATH, set by the SDK), else the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } sdkHost ? sdkHost
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.GetFullPath(tool));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "The build tool did not finish within a minute.");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private string CopySources()
    {
        var copy = Path.Combine(folder, "Help");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(HelpSources))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    /// <summary>Removes a "### …" section up to the next heading, as an author who forgot it would leave the file.</summary>
    private static void RemoveSection(string file, string heading)
    {
        var text = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = text.IndexOf(heading + "\n", StringComparison.Ordinal);
        start = start < 0 ? text.IndexOf(heading, StringComparison.Ordinal) : start;
        Assert.True(start >= 0, $"{Path.GetFileName(file)} has no '{heading}' section.");
        var end = NextHeading().Match(text, start + heading.Length);
        File.WriteAllText(file, text[..start] + (end.Success ? text[end.Index..] : string.Empty));
    }

    [GeneratedRegex("^#{2,3} ", RegexOptions.Multiline)]
    private static partial Regex NextHeading();
}
