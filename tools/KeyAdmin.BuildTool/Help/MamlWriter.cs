using System.Xml;
using System.Xml.Linq;

namespace KeyAdmin.BuildTool.Help;

/// <summary>
/// Writes cmdlet help in MAML, the external help format Get-Help reads from &lt;module&gt;/en-US/&lt;Assembly&gt;.dll-Help.xml:
/// the same elements PowerShell's own help files use, so -Full, -Examples, -Parameter and -ShowWindow all work.
/// </summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(IEnumerable<CmdletHelp> cmdlets, string path)
    {
        var document = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XComment(" Generated at build time by tools/KeyAdmin.BuildTool from src/KeyAdmin/Help/*.md and the compiled cmdlets. Do not edit. "),
            new XElement(Msh + "helpItems",
                new XAttribute("schema", "maml"),
                cmdlets.Select(CommandElement)));

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), NewLineChars = "\n" };
        using var writer = XmlWriter.Create(path, settings);
        document.Save(writer);
    }

    private static XElement CommandElement(CmdletHelp help)
    {
        var cmdlet = help.Cmdlet;
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                Description(help.Document.Synopsis)),
            Description(help.Document.Description),
            new XElement(Command + "syntax", cmdlet.ParameterSets.Select(set => SyntaxItem(help, set))),
            new XElement(Command + "parameters", help.Parameters.Select(p => Parameter(p, p.Model.Sets.Values.FirstOrDefault(s => s.Position is not null)?.Position, p.Model.MandatoryEverywhere, withAcceptedValues: true))),
            new XElement(Command + "inputTypes", help.Inputs.Select(i => TypeElement("inputType", i))),
            new XElement(Command + "returnValues", help.Outputs.Select(o => TypeElement("returnValue", o))),
            help.Document.Notes.Count == 0 ? null : new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(help.Document.Notes))),
            new XElement(Command + "examples", help.Document.Examples.Select((e, i) => Example(e, i + 1))),
            new XElement(Command + "relatedLinks", help.Document.RelatedLinks.Select(link =>
                new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", link),
                    new XElement(Maml + "uri")))));
    }

    private static XElement SyntaxItem(CmdletHelp help, string set)
    {
        var byName = help.Parameters.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var own = help.Cmdlet.InSet(set).Select(x => Parameter(byName[x.Parameter.Name], x.In.Position, x.In.Mandatory, withAcceptedValues: false, inSyntax: true));
        var shouldProcess = help.Parameters.Where(p => p.Model.Order == int.MaxValue).Select(p => Parameter(p, null, false, withAcceptedValues: false, inSyntax: true));
        return new XElement(Command + "syntaxItem",
            new XElement(Maml + "name", help.Cmdlet.Name),
            own.Concat(shouldProcess));
    }

    private static XElement Parameter(HelpParameter parameter, int? position, bool required, bool withAcceptedValues, bool inSyntax = false)
    {
        var model = parameter.Model;
        var pipeline = (model.ByValue, model.ByPropertyName) switch
        {
            (true, true) => "True (ByValue, ByPropertyName)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
        var text = parameter.Text.ToList();
        if (withAcceptedValues && model.AcceptedValues.Count > 0)
        {
            text.Add(new Paragraph("Accepted values: " + string.Join(", ", model.AcceptedValues) + "."));
        }

        return new XElement(Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", model.ValueType.IsArray ? "true" : "false"),
            new XAttribute("globbing", model.SupportsWildcards ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", model.Aliases.Count == 0 ? "none" : string.Join(", ", model.Aliases)),
            new XElement(Maml + "name", model.Name),
            // Get-Help shows descriptions from the parameters section only: repeating them per syntax item would
            // triple the file for nothing.
            inSyntax ? null : Description(text),
            // In syntax, a closed set of values shows as {Read | Trade | …}; a switch takes no value at all.
            inSyntax && model.AcceptedValues.Count > 0 && !model.IsSwitch
                ? new XElement(Command + "parameterValueGroup", model.AcceptedValues.Select(v =>
                    new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v)))
                : null,
            model.IsSwitch
                ? null
                : new XElement(Command + "parameterValue",
                    new XAttribute("required", "true"),
                    new XAttribute("variableLength", model.ValueType.IsArray ? "true" : "false"),
                    TypeNames.Short(model.ValueType)),
            new XElement(Dev + "type",
                new XElement(Maml + "name", TypeNames.Full(model.ValueType)),
                new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", parameter.DefaultValue));
    }

    private static XElement TypeElement(string element, HelpType type) =>
        new(Command + element,
            new XElement(Dev + "type",
                new XElement(Maml + "name", type.Name),
                new XElement(Maml + "uri")),
            Description(type.Text));

    private static XElement Example(HelpExample example, int number)
    {
        var title = example.Title.StartsWith("Example", StringComparison.OrdinalIgnoreCase) ? example.Title : $"Example {number}: {example.Title}";
        return new XElement(Command + "example",
            new XElement(Maml + "title", $"--------- {title} ---------"),
            new XElement(Dev + "code", example.Code),
            // The empty paragraph is the blank line Get-Help otherwise leaves out before the next example's title.
            new XElement(Dev + "remarks", Paragraphs(example.Remarks), new XElement(Maml + "para")));
    }

    private static XElement Description(IEnumerable<Paragraph> paragraphs) => new(Maml + "description", Paragraphs(paragraphs));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<Paragraph> paragraphs) =>
        paragraphs.Select(p => new XElement(Maml + "para", p.Text));
}
