using System.Text.RegularExpressions;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// The module folder as the gallery would take it (Publish-PSResource -Path out/KeyAdmin): a valid manifest with
/// the version, editions and release notes it promises, and nothing in the folder that the module does not need.
/// </summary>
public sealed partial class ModulePublishingTests
{
    [Fact]
    public void TestModuleManifest_AcceptsTheBuiltManifest_WithTheVersionEditionsAndTags()
    {
        using var session = new ModuleSession(connect: false);

        var module = session.Run("Test-ModuleManifest -Path $args[0] -ErrorAction Stop", ModulePaths.Manifest).Single();

        Assert.Equal(Version(), module.Property("Version")!.ToString());
        Assert.Equal("7.4", module.Property("PowerShellVersion")!.ToString());
        Assert.Equal(new[] { "Core" }, ((IEnumerable<string>)module.Property("CompatiblePSEditions")!).ToArray());
        var tags = session.Run("(Test-ModuleManifest -Path $args[0]).Tags", ModulePaths.Manifest).ThrowOnError().Output.Select(t => t.ToString()).ToList();
        Assert.Contains("ApiKey", tags);
        Assert.All(tags, tag => Assert.DoesNotContain(' ', tag));
        Assert.Equal("KeyAdmin.dll", module.Text("RootModule"));
    }

    [Fact]
    public void BuiltManifest_ReleaseNotes_AreTheChangelogSectionOfThisVersion()
    {
        using var session = new ModuleSession(connect: false);
        var version = Version();
        var changelog = File.ReadAllText(Path.Combine(ModulePaths.Root, "CHANGELOG.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var section = Regex.Match(changelog, $@"^## {Regex.Escape(version)}\b.*?(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline).Value.Trim();

        var notes = session.Run("(Test-ModuleManifest -Path $args[0]).ReleaseNotes", ModulePaths.Manifest).Single().ToString().Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.NotEmpty(section);
        Assert.StartsWith(version, notes, StringComparison.Ordinal);
        Assert.Equal(section[3..], notes);
    }

    [Fact]
    public void ModuleFolder_HoldsOnlyTheModulesFiles()
    {
        var root = ModulePaths.ModuleFolder;
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .ToList();

        Assert.All(files, file => Assert.Matches(ShippedFile(), file));
        foreach (var required in new[] { "KeyAdmin.psd1", "KeyAdmin.dll", "KeyAdmin.Loader.dll", "KeyAdmin.format.ps1xml", "LICENSE", "en-US/about_KeyAdmin.help.txt", "en-US/KeyAdmin.dll-Help.xml", "Dependencies/KeyAdmin.Core.dll" })
        {
            Assert.Contains(required, files);
        }

        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(root, "LICENSE")), StringComparison.Ordinal);
    }

    private static string Version() =>
        Regex.Match(File.ReadAllText(Path.Combine(ModulePaths.Root, "Directory.Build.props")), "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;

    /// <summary>What may ship: the manifest, the two module assemblies, the format file, the licence, help, and the core's closure.</summary>
    [GeneratedRegex(@"^(KeyAdmin\.psd1|KeyAdmin\.dll|KeyAdmin\.Loader\.dll|KeyAdmin\.format\.ps1xml|LICENSE|en-US/(about_[A-Za-z]+\.help\.txt|KeyAdmin\.dll-Help\.xml)|Dependencies/[A-Za-z0-9._]+\.(dll|deps\.json)|Dependencies/runtimes/[a-z0-9-]+/native/[A-Za-z0-9_.]+\.(so|dylib|dll))$")]
    private static partial Regex ShippedFile();
}
