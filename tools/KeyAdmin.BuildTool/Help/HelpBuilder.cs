namespace KeyAdmin.BuildTool.Help;

/// <summary>
/// The `help` command: one Markdown file per cmdlet in, one MAML file out. Every gap (a cmdlet without a file, a
/// parameter or output type without a description, fewer than two examples, a section for something that no
/// longer exists) is a build error, so help cannot fall behind the code.
/// </summary>
internal static class HelpBuilder
{
    /// <summary>The authoring guide beside the help files; not a cmdlet's help.</summary>
    public const string FormatGuide = "README.md";

    public static int Run(string assembly, IReadOnlyList<string> probe, string source, string aboutFolder, string output, TextWriter errors)
    {
        var cmdlets = CmdletModel.Load(assembly, probe);
        var files = Directory.GetFiles(source, "*.md")
            .Where(f => !string.Equals(Path.GetFileName(f), FormatGuide, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase);
        var abouts = Directory.Exists(aboutFolder)
            ? Directory.GetFiles(aboutFolder, "about_*.help.txt").Select(f => Path.GetFileName(f)[..^".help.txt".Length])
            : Enumerable.Empty<string>();
        var context = new HelpContext(
            cmdlets.Select(c => c.Name).Concat(abouts).ToHashSet(StringComparer.OrdinalIgnoreCase),
            Path.Combine(source, FormatGuide));

        var problems = new Problems();
        var helps = new List<CmdletHelp>();
        foreach (var cmdlet in cmdlets)
        {
            if (!files.TryGetValue(cmdlet.Name, out var file))
            {
                problems.Add(Path.Combine(source, cmdlet.Name + ".md"), 1,
                    $"{cmdlet.Name} has no help: create {cmdlet.Name}.md in {source} (copy the shape of another cmdlet's file).");
                continue;
            }

            helps.Add(CmdletHelp.Join(cmdlet, HelpMarkdown.Parse(file), context, problems));
        }

        foreach (var stale in files.Where(f => !cmdlets.Any(c => string.Equals(c.Name, f.Key, StringComparison.OrdinalIgnoreCase))))
        {
            problems.Add(stale.Value, 1, $"there is no cmdlet named {stale.Key} in {Path.GetFileName(assembly)}: remove or rename this help file.");
        }

        if (problems.Count > 0)
        {
            problems.WriteTo(errors);
            return 1;
        }

        MamlWriter.Write(helps, output);
        return 0;
    }
}
