using System.Management.Automation.Language;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Every PowerShell script of the repository (build.ps1, the examples, the Pester suite) parses with the engine's
/// own parser, on machines without pwsh too: a typo in a scheduled job or a Pester file fails here, not in CI on
/// another operating system or, worse, at 6 a.m. in a scheduler.
/// </summary>
public sealed class ScriptSyntaxTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in new[] { "build.ps1" }
            .Concat(Directory.GetFiles(Path.Combine(ModulePaths.Root, "examples"), "*.ps1", SearchOption.AllDirectories).Select(Relative))
            .Concat(Directory.GetFiles(Path.Combine(ModulePaths.Root, "tests"), "*.ps1", SearchOption.TopDirectoryOnly).Select(Relative))
            .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_Parses_WithoutErrors(string script)
    {
        Parser.ParseFile(Path.Combine(ModulePaths.Root, script), out _, out var errors);

        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{script}:{e.Extent.StartLineNumber}:{e.Extent.StartColumnNumber}: {e.Message}")));
    }

    [Fact]
    public void PesterFiles_ShareTheirHelpers_AndImportOnlyTheBuiltModule()
    {
        var pesterFiles = Directory.GetFiles(Path.Combine(ModulePaths.Root, "tests"), "*.Tests.ps1");

        Assert.NotEmpty(pesterFiles);
        Assert.All(pesterFiles, file =>
        {
            var text = File.ReadAllText(file);
            Assert.Contains("#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }", text, StringComparison.Ordinal);
            Assert.Contains(". (Join-Path $PSScriptRoot 'TestSupport.ps1')", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Import-Module KeyAdmin", text, StringComparison.OrdinalIgnoreCase);
        });
    }

    private static string Relative(string path) => Path.GetRelativePath(ModulePaths.Root, path).Replace('\\', '/');
}
