using System.Text;
using System.Text.RegularExpressions;

namespace KeyAdmin.BuildTool.Help;

/// <summary>
/// Reads the small, fixed Markdown shape of a cmdlet's help file (see src/KeyAdmin/Help/README.md): "# Verb-Noun",
/// then "## SYNOPSIS", "## DESCRIPTION", "## EXAMPLES" ("### Example N: title", a fenced code block, remarks),
/// "## PARAMETERS" ("### -Name"), "## INPUTS", "## OUTPUTS" ("### Type.Name"), "## NOTES", "## RELATED LINKS".
/// Paragraphs are separated by blank lines; list items and fenced blocks are paragraphs of their own.
/// </summary>
internal static partial class HelpMarkdown
{
    private static readonly string[] Sections = { "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

    public static HelpDocument Parse(string path)
    {
        var lines = StripComments(File.ReadAllText(path)).Split('\n').Select(l => l.TrimEnd('\r', ' ', '\t')).ToArray();
        var title = lines.Select((l, i) => (l, i)).FirstOrDefault(x => x.l.StartsWith("# ", StringComparison.Ordinal));
        var document = new HelpDocument
        {
            Path = path,
            Name = title.l is null ? string.Empty : title.l[2..].Trim(),
        };

        string? section = null;
        List<Paragraph>? target = null;
        HelpSection? current = null;
        HelpExample? example = null;
        var buffer = new StringBuilder();
        var table = new StringBuilder();

        void Flush()
        {
            if (buffer.Length > 0)
            {
                target?.Add(new Paragraph(buffer.ToString()));
                buffer.Clear();
            }

            if (table.Length > 0)
            {
                target?.Add(new Paragraph(table.ToString().TrimEnd('\n'), Preformatted: true));
                table.Clear();
            }
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var number = i + 1;
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                Flush();
                continue;
            }

            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line[3..].Trim().ToUpperInvariant();
                current = null;
                example = null;
                target = section switch
                {
                    "SYNOPSIS" => document.Synopsis,
                    "DESCRIPTION" => document.Description,
                    "NOTES" => document.Notes,
                    _ => null,
                };
                if (!Sections.Contains(section))
                {
                    document.Unknown.Add((number, line));
                }

                continue;
            }

            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                var heading = line[4..].Trim();
                example = null;
                current = null;
                target = null;
                switch (section)
                {
                    case "EXAMPLES":
                        example = new HelpExample { Line = number, Title = heading };
                        document.Examples.Add(example);
                        target = example.Remarks;
                        break;
                    case "PARAMETERS" when heading.StartsWith('-'):
                        current = Add(document.Parameters, heading[1..], number, document);
                        break;
                    case "INPUTS":
                        current = Add(document.Inputs, heading, number, document);
                        break;
                    case "OUTPUTS":
                        current = Add(document.Outputs, heading, number, document);
                        break;
                    default:
                        document.Unknown.Add((number, line));
                        break;
                }

                target = current?.Text ?? target;
                continue;
            }

            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                var code = new StringBuilder();
                for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    code.Append(lines[i]).Append('\n');
                }

                var text = code.ToString().TrimEnd('\n');
                if (example is not null && example.Code.Length == 0 && example.Remarks.Count == 0)
                {
                    example.Code = text;
                }
                else
                {
                    target?.Add(new Paragraph(text, Preformatted: true));
                }

                continue;
            }

            if (section == "RELATED LINKS")
            {
                var link = LinkPattern().Match(line);
                if (link.Success)
                {
                    document.RelatedLinks.Add(link.Groups["text"].Value.Trim());
                }
                else if (line.Trim().Length > 0)
                {
                    document.Unknown.Add((number, line));
                }

                continue;
            }

            if (line.Trim().Length == 0)
            {
                Flush();
                continue;
            }

            if (current is not null && section == "PARAMETERS" && line.StartsWith("Default value:", StringComparison.Ordinal))
            {
                Flush();
                current.DefaultValue = line["Default value:".Length..].Trim();
                continue;
            }

            if (line.TrimStart().StartsWith('|'))
            {
                if (buffer.Length > 0)
                {
                    target?.Add(new Paragraph(buffer.ToString()));
                    buffer.Clear();
                }

                table.Append(line.Trim()).Append('\n');
                continue;
            }

            if (ListItemPattern().IsMatch(line) && buffer.Length > 0)
            {
                Flush();
            }

            if (target is null)
            {
                document.Unknown.Add((number, line));
                continue;
            }

            if (buffer.Length > 0)
            {
                buffer.Append(' ');
            }

            buffer.Append(line.Trim());
        }

        Flush();
        return document;
    }

    private static HelpSection Add(Dictionary<string, HelpSection> sections, string name, int line, HelpDocument document)
    {
        var section = new HelpSection { Line = line };
        if (!sections.TryAdd(name, section))
        {
            document.Duplicates.Add((line, name));
        }

        return section;
    }

    /// <summary>HTML comments are notes for whoever edits the file, never help text.</summary>
    private static string StripComments(string text) => CommentPattern().Replace(text, string.Empty);

    [GeneratedRegex("<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    [GeneratedRegex(@"^\s*[-*]\s+(\[(?<text>[^\]]+)\]\([^)]*\)|(?<text>\S.*))$")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^\s*([-*]|\d+\.)\s+")]
    private static partial Regex ListItemPattern();
}
