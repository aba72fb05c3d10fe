using System.Management.Automation;

namespace KeyAdmin.BuildTool.Help;

/// <summary>
/// One cmdlet's complete help: the compiled facts joined with the prose, after checking that the prose covers
/// every fact (every parameter, every output type) and mentions nothing that no longer exists.
/// </summary>
internal sealed class CmdletHelp
{
    private CmdletHelp(CmdletModel cmdlet, HelpDocument document)
    {
        Cmdlet = cmdlet;
        Document = document;
    }

    public CmdletModel Cmdlet { get; }

    public HelpDocument Document { get; }

    /// <summary>The parameters Get-Help lists: the cmdlet's own, then -WhatIf and -Confirm where it supports them.</summary>
    public IReadOnlyList<HelpParameter> Parameters { get; private set; } = Array.Empty<HelpParameter>();

    public IReadOnlyList<HelpType> Inputs { get; private set; } = Array.Empty<HelpType>();

    public IReadOnlyList<HelpType> Outputs { get; private set; } = Array.Empty<HelpType>();

    /// <summary>Joins <paramref name="cmdlet"/> and <paramref name="document"/>, adding a problem for every gap.</summary>
    public static CmdletHelp Join(CmdletModel cmdlet, HelpDocument document, HelpContext context, Problems problems)
    {
        var help = new CmdletHelp(cmdlet, document);
        var file = document.Path;
        if (!string.Equals(document.Name, cmdlet.Name, StringComparison.Ordinal))
        {
            problems.Add(file, 1, $"the title must be '# {cmdlet.Name}' (found '# {document.Name}').");
        }

        foreach (var (line, heading) in document.Unknown)
        {
            problems.Add(file, line, $"'{heading}' is not part of the help format (see {context.FormatGuide}): it would be lost.");
        }

        foreach (var (line, name) in document.Duplicates)
        {
            problems.Add(file, line, $"there is a second section for {name}: merge it into the first.");
        }

        if (document.Synopsis.Count != 1)
        {
            problems.Add(file, 1, $"{cmdlet.Name} needs a one-paragraph '## SYNOPSIS' (found {document.Synopsis.Count} paragraphs).");
        }

        if (document.Description.Count == 0)
        {
            problems.Add(file, 1, $"{cmdlet.Name} has no '## DESCRIPTION'.");
        }

        if (document.Examples.Count < 2)
        {
            problems.Add(file, 1, $"{cmdlet.Name} has {document.Examples.Count} example(s); it needs at least two under '## EXAMPLES' ('### Example N: title', a ```powershell block, then what it does).");
        }

        foreach (var example in document.Examples)
        {
            if (example.Code.Trim().Length == 0)
            {
                problems.Add(file, example.Line, $"'{example.Title}' has no code: put a ```powershell block right under its heading.");
            }

            if (example.Remarks.Count == 0)
            {
                problems.Add(file, example.Line, $"'{example.Title}' does not say what it does: add a paragraph after its code.");
            }
        }

        help.Parameters = JoinParameters(cmdlet, document, problems);
        help.Inputs = JoinInputs(cmdlet, document, problems);
        help.Outputs = JoinOutputs(cmdlet, document, problems);

        if (document.RelatedLinks.Count == 0)
        {
            problems.Add(file, 1, $"{cmdlet.Name} has no '## RELATED LINKS': name the cmdlets used with it and about_KeyAdmin.");
        }

        foreach (var link in document.RelatedLinks.Where(l => !context.KnownLinks.Contains(l)))
        {
            problems.Add(file, 1, $"the related link '{link}' names neither a cmdlet of the module nor an about topic in en-US.");
        }

        return help;
    }

    private static List<HelpParameter> JoinParameters(CmdletModel cmdlet, HelpDocument document, Problems problems)
    {
        var parameters = new List<HelpParameter>();
        foreach (var parameter in cmdlet.Parameters)
        {
            if (!document.Parameters.TryGetValue(parameter.Name, out var section) || section.Text.Count == 0)
            {
                problems.Add(document.Path, section?.Line ?? 1,
                    $"{cmdlet.Name} -{parameter.Name} has no description: add '### -{parameter.Name}' with a paragraph under '## PARAMETERS'.");
                continue;
            }

            parameters.Add(new HelpParameter(parameter, section.Text, section.DefaultValue ?? parameter.DefaultValue));
        }

        if (cmdlet.SupportsShouldProcess)
        {
            parameters.Add(ShouldProcessParameter("WhatIf", "wi", document,
                "Shows what the cmdlet would do, and changes nothing: no store, vault or audit record is touched and no authenticator code is spent."));
            parameters.Add(ShouldProcessParameter("Confirm", "cf", document, cmdlet.ConfirmImpact == ConfirmImpact.High
                ? $"Asks for confirmation before each change. {cmdlet.Name} asks by default (its impact is High): pass -Confirm:$false in scripts and scheduled jobs, which cannot answer a prompt."
                : "Asks for confirmation before each change."));
        }

        var known = cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.SupportsShouldProcess ? new[] { "WhatIf", "Confirm" } : Array.Empty<string>());
        foreach (var stale in document.Parameters.Where(d => !known.Contains(d.Key, StringComparer.OrdinalIgnoreCase)))
        {
            problems.Add(document.Path, stale.Value.Line, $"{cmdlet.Name} has no parameter -{stale.Key}: remove or rename its section.");
        }

        return parameters.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static HelpParameter ShouldProcessParameter(string name, string alias, HelpDocument document, string text)
    {
        var model = new ParameterModel(
            name,
            typeof(SwitchParameter),
            int.MaxValue,
            new Dictionary<string, ParameterSetModel> { [CmdletModel.AllSets] = new(false, null, false, false) },
            new[] { alias },
            false,
            Array.Empty<string>(),
            "False");
        var written = document.Parameters.TryGetValue(name, out var section) && section.Text.Count > 0 ? section.Text : new List<Paragraph> { new(text) };
        return new HelpParameter(model, written, "False");
    }

    private static List<HelpType> JoinInputs(CmdletModel cmdlet, HelpDocument document, Problems problems)
    {
        var inputs = new List<HelpType>();
        foreach (var byValue in cmdlet.Parameters.Where(p => p.ByValue).GroupBy(p => TypeNames.Element(p.ValueType)))
        {
            var names = string.Join(", ", byValue.Select(p => "-" + p.Name));
            inputs.Add(new HelpType(TypeNames.Full(byValue.Key), new List<Paragraph> { new($"You can pipe {TypeNames.Full(byValue.Key)} objects to {cmdlet.Name}: they bind to {names}.") }));
        }

        var byName = cmdlet.Parameters.Where(p => p.ByPropertyName).ToList();
        if (byName.Count > 0)
        {
            var names = string.Join(", ", byName.Select(p => p.Aliases.Count == 0 ? p.Name : $"{p.Name} ({string.Join(", ", p.Aliases)})"));
            inputs.Add(new HelpType("System.Management.Automation.PSObject", new List<Paragraph>
            {
                new($"You can pipe any object with properties of these names (or aliases) to {cmdlet.Name}: {names}. Each property binds to the parameter of the same name."),
            }));
        }

        if (inputs.Count == 0)
        {
            inputs.Add(new HelpType("None", new List<Paragraph> { new($"You can't pipe objects to {cmdlet.Name}.") }));
        }

        foreach (var (name, section) in document.Inputs)
        {
            var input = inputs.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));
            if (input is null)
            {
                problems.Add(document.Path, section.Line,
                    $"{cmdlet.Name} takes no pipeline input of type {name} (it takes {string.Join(", ", inputs.Select(i => i.Name))}).");
                continue;
            }

            input.Text.AddRange(section.Text);
        }

        return inputs;
    }

    private static List<HelpType> JoinOutputs(CmdletModel cmdlet, HelpDocument document, Problems problems)
    {
        var outputs = new List<HelpType>();
        var declared = cmdlet.OutputTypes.Select(t => t == typeof(void) ? "None" : TypeNames.Full(t)).ToList();
        foreach (var name in declared)
        {
            if (!document.Outputs.TryGetValue(name, out var section) || section.Text.Count == 0)
            {
                problems.Add(document.Path, section?.Line ?? 1, $"{cmdlet.Name} outputs {name} ([OutputType]): describe it under '## OUTPUTS' as '### {name}'.");
                continue;
            }

            outputs.Add(new HelpType(name, section.Text));
        }

        foreach (var stale in document.Outputs.Where(o => !declared.Contains(o.Key, StringComparer.OrdinalIgnoreCase)))
        {
            problems.Add(document.Path, stale.Value.Line, $"{cmdlet.Name} declares no output of type {stale.Key} (its [OutputType] is {string.Join(", ", declared)}).");
        }

        return outputs;
    }
}

/// <summary>A parameter as Get-Help shows it: the compiled facts, the prose and the default value.</summary>
internal sealed record HelpParameter(ParameterModel Model, IReadOnlyList<Paragraph> Text, string DefaultValue)
{
    public string Name => Model.Name;
}

/// <summary>An input or output type with its description.</summary>
internal sealed record HelpType(string Name, List<Paragraph> Text);

/// <summary>What the help of one module may link to: its cmdlets and its about topics.</summary>
internal sealed record HelpContext(IReadOnlySet<string> KnownLinks, string FormatGuide);

/// <summary>Problems in the help sources, reported in the canonical form MSBuild turns into build errors.</summary>
internal sealed class Problems
{
    private readonly List<string> lines = new();

    public int Count => lines.Count;

    public void Add(string file, int line, string message) =>
        lines.Add($"{Path.GetFullPath(file)}({line}): error KAHELP: {message}");

    public void WriteTo(TextWriter writer)
    {
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }
}

/// <summary>Type names as PowerShell's help shows them.</summary>
internal static class TypeNames
{
    /// <summary>What a pipeline delivers one at a time: the element of an array parameter.</summary>
    public static Type Element(Type type) => type.IsArray ? type.GetElementType()! : type;

    public static string Full(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsArray ? Full(type.GetElementType()!) + "[]" : type.FullName ?? type.Name;
    }

    public static string Short(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsArray ? Short(type.GetElementType()!) + "[]" : type.Name;
    }
}
