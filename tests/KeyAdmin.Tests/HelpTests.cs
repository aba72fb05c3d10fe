using System.Management.Automation;
using System.Text.RegularExpressions;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// The help an administrator reads in the first minute, through Get-Help on the built module: every exported
/// cmdlet has real help (not the syntax PowerShell makes up when there is none), a description of every
/// parameter, at least two examples, outputs and related links; about_KeyAdmin is found and covers the topics.
/// </summary>
public sealed partial class HelpTests : IClassFixture<HelpTests.HelpSession>
{
    private readonly ModuleSession session;

    public HelpTests(HelpSession fixture) => session = fixture.Session;

    /// <summary>The cmdlets the built manifest exports (ModuleContractTests proves they are the compiled ones).</summary>
    public static TheoryData<string> ExportedCmdlets()
    {
        var manifest = File.ReadAllText(ModulePaths.Manifest);
        var list = CmdletsToExportPattern().Match(manifest).Groups["list"].Value;
        var data = new TheoryData<string>();
        foreach (Match name in QuotedPattern().Matches(list))
        {
            data.Add(name.Groups[1].Value);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void GetHelpFull_HasAWrittenSynopsisAndADescription(string cmdlet)
    {
        var help = Help(cmdlet);

        var synopsis = help.Text("Synopsis")?.Trim() ?? string.Empty;
        Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{cmdlet} has no synopsis.");
        // Without a help file PowerShell fills the synopsis with the syntax: "New-ApiKey [-Name] <string> …".
        Assert.DoesNotContain(cmdlet + " [", synopsis, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<CommonParameters>", synopsis, StringComparison.Ordinal);
        Assert.EndsWith(".", synopsis, StringComparison.Ordinal);
        Assert.True(Text(help.Property("description")).Length > 80, $"{cmdlet} has no real description.");
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void GetHelpFull_DescribesEveryParameter_AsTheCmdletDeclaresIt(string cmdlet)
    {
        var help = Help(cmdlet);
        var documented = Items(help.Property("parameters"), "parameter").ToDictionary(p => p.Text("name")!, StringComparer.OrdinalIgnoreCase);
        var declared = session.Run(
            "$common = [System.Management.Automation.Cmdlet]::CommonParameters; " +
            "(Get-Command $args[0]).Parameters.Values | Where-Object { $common -notcontains $_.Name } | ForEach-Object { " +
            "  [pscustomobject]@{ Name = $_.Name; Mandatory = @($_.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0; " +
            "    Pipeline = @($_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }).Count -gt 0 } }",
            cmdlet).ThrowOnError().Output;

        Assert.All(declared, parameter =>
        {
            var name = parameter.Text("Name")!;
            Assert.True(documented.TryGetValue(name, out var entry), $"Get-Help {cmdlet} -Full does not list -{name}.");
            Assert.True(Text(entry!.Property("description")).Length > 0, $"{cmdlet} -{name} has no description.");
            Assert.Equal((bool)parameter.Property("Mandatory")!, string.Equals(entry.Text("required"), "true", StringComparison.OrdinalIgnoreCase));
            Assert.Equal((bool)parameter.Property("Pipeline")!, entry.Text("pipelineInput")!.StartsWith("True", StringComparison.OrdinalIgnoreCase));
        });
        var stale = documented.Keys.Except(declared.Select(p => p.Text("Name")!), StringComparer.OrdinalIgnoreCase).ToList();
        Assert.True(stale.Count == 0, $"Get-Help {cmdlet} documents parameters the cmdlet does not have: {string.Join(", ", stale)}");
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void GetHelpFull_HasAtLeastTwoExamples_EachWithCodeThatUsesTheCmdletAndAnExplanation(string cmdlet)
    {
        var examples = Items(Help(cmdlet).Property("examples"), "example").ToList();

        Assert.True(examples.Count >= 2, $"{cmdlet} has {examples.Count} example(s).");
        Assert.All(examples, example =>
        {
            Assert.False(string.IsNullOrWhiteSpace(example.Text("code")), $"An example of {cmdlet} has no code.");
            Assert.True(Text(example.Property("remarks")).Length > 0, $"An example of {cmdlet} does not say what it does.");
        });
        Assert.Contains(examples, e => e.Text("code")!.Contains(cmdlet, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void GetHelpFull_NamesOutputsAndLinksToOtherCmdletsAndAboutKeyAdmin(string cmdlet)
    {
        var help = Help(cmdlet);
        var exported = ExportedCmdlets().Cast<object[]>().Select(row => (string)row[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.NotEmpty(Items(help.Property("returnValues"), "returnValue"));
        var links = Items(help.Property("relatedLinks"), "navigationLink").Select(l => l.Text("linkText")!.Trim()).ToList();
        Assert.Contains("about_KeyAdmin", links);
        Assert.Contains(links, l => exported.Contains(l) && !string.Equals(l, cmdlet, StringComparison.OrdinalIgnoreCase));
        Assert.All(links, l => Assert.True(exported.Contains(l) || l == "about_KeyAdmin", $"{cmdlet} links to '{l}', which is no KeyAdmin command or topic."));
    }

    [Fact]
    public void HelpFile_IsTheExternalHelpShippedInTheModuleFolder()
    {
        var helpFile = Path.Combine(ModulePaths.ModuleFolder, "en-US", "KeyAdmin.dll-Help.xml");

        Assert.True(File.Exists(helpFile), "The module folder has no en-US/KeyAdmin.dll-Help.xml.");
        var typeNames = session.Run("(Get-Help New-ApiKey -Full).PSObject.TypeNames").ThrowOnError().Output.Select(o => o.ToString()).ToList();
        Assert.Contains("MamlCommandHelpInfo", typeNames);
        Assert.Equal("KeyAdmin.dll-Help.xml", Path.GetFileName(session.Run("(Get-Command New-ApiKey).HelpFile").Single().ToString()));
    }

    [Fact]
    public void GetHelpExamples_ShowsTheREADMEsFirstCommand()
    {
        var code = session.Run("(Get-Help New-ApiKey -Examples).examples.example | ForEach-Object code").ThrowOnError().Output.Select(o => o.ToString()).ToList();

        Assert.Contains(code, c => c.Contains("New-ApiKey -Account desk -Name bot-a -Permission Read, Trade -IpAddress 203.0.113.7", StringComparison.Ordinal));
    }

    [Fact]
    public void GetHelpParameter_ShowsOneParameterWithItsAcceptedValues()
    {
        var parameter = session.Run("Get-Help New-ApiKey -Parameter Permission").Single();

        Assert.Equal("Permission", parameter.Text("name"));
        var text = Text(parameter.Property("description"));
        Assert.Contains("fixed", text, StringComparison.Ordinal);
        Assert.Contains("Accepted values: Read, Trade, Transfer, Withdraw.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void GetHelpAboutKeyAdmin_IsFound_AndExplainsEachTopic()
    {
        var about = session.Run("Get-Help about_KeyAdmin").ThrowOnError().Output;

        Assert.NotEmpty(about);
        var text = string.Join("\n", about.Select(o => o.BaseObject is string s ? s : o.Text("Text") ?? o.ToString()));
        foreach (var heading in new[] { "THE RULES", "THE STORE", "TWO-FACTOR CONFIRMATION", "UNATTENDED JOBS", "VAULT DELIVERY", "ROTATION", "VERIFYING SIGNED REQUESTS", "AUDIT LOG", "COMPLIANCE", "SEE ALSO" })
        {
            Assert.Contains(heading, text, StringComparison.Ordinal);
        }

        Assert.Contains("PostgreSQL", text, StringComparison.Ordinal);
        Assert.Contains("KeyAdmin.TwoFactorCodeRequired", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_CmdletTable_NamesEveryExportedCmdletAndNoOther()
    {
        var readme = File.ReadAllText(Path.Combine(ModulePaths.Root, "README.md"));
        var start = readme.IndexOf("## Cmdlets", StringComparison.Ordinal);
        Assert.True(start >= 0, "The README has no '## Cmdlets' section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var table = readme[start..(end < 0 ? readme.Length : end)];

        var named = CmdletNamePattern().Matches(table).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var exported = ExportedCmdlets().Cast<object[]>().Select(row => (string)row[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Empty(exported.Except(named));
        Assert.Empty(named.Except(exported));
    }

    private PSObject Help(string cmdlet) => session.Run("Get-Help -Name $args[0] -Full", cmdlet).Single();

    /// <summary>The elements of a MAML list property (parameters.parameter, examples.example …), one or many.</summary>
    private static IEnumerable<PSObject> Items(object? container, string name)
    {
        var value = (container as PSObject)?.Properties[name]?.Value;
        return value switch
        {
            null => Enumerable.Empty<PSObject>(),
            object[] many => many.Select(PSObject.AsPSObject),
            System.Collections.IEnumerable many and not string => many.Cast<object>().Select(PSObject.AsPSObject),
            _ => new[] { PSObject.AsPSObject(value) },
        };
    }

    /// <summary>The text of MAML paragraphs (description, remarks): an array of objects with a Text property.</summary>
    private static string Text(object? paragraphs)
    {
        var items = paragraphs switch
        {
            null => Enumerable.Empty<object>(),
            PSObject { BaseObject: object[] array } => array,
            object[] array => array,
            _ => new[] { paragraphs },
        };
        return string.Join("\n", items.Select(p => PSObject.AsPSObject(p).Text("Text") ?? string.Empty)).Trim();
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex CmdletsToExportPattern();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPattern();

    [GeneratedRegex(@"`([A-Z][a-z]+-[A-Za-z]+)`")]
    private static partial Regex CmdletNamePattern();

    /// <summary>One runspace for every help test: Get-Help only reads.</summary>
    public sealed class HelpSession : IDisposable
    {
        public ModuleSession Session { get; } = new(connect: false);

        public void Dispose() => Session.Dispose();
    }
}
