namespace KeyAdmin.BuildTool.Help;

/// <summary>
/// The prose of one cmdlet's help, as written in src/KeyAdmin/Help/Verb-Noun.md. Everything a reader of the
/// source can get wrong (types, positions, pipeline input, wildcards) is deliberately absent: it comes from the
/// compiled cmdlet.
/// </summary>
internal sealed class HelpDocument
{
    public required string Path { get; init; }

    /// <summary>The "# Verb-Noun" title.</summary>
    public required string Name { get; init; }

    public List<Paragraph> Synopsis { get; } = new();

    public List<Paragraph> Description { get; } = new();

    public List<HelpExample> Examples { get; } = new();

    /// <summary>"### -Name" sections, keyed by the name without the dash.</summary>
    public Dictionary<string, HelpSection> Parameters { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>"### TypeName" sections under INPUTS.</summary>
    public Dictionary<string, HelpSection> Inputs { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>"### TypeName" sections under OUTPUTS.</summary>
    public Dictionary<string, HelpSection> Outputs { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<Paragraph> Notes { get; } = new();

    public List<string> RelatedLinks { get; } = new();

    /// <summary>Sections the parser did not recognise; reported as errors so that a typo never drops text silently.</summary>
    public List<(int Line, string Heading)> Unknown { get; } = new();

    /// <summary>Second sections for the same parameter or type (two authors adding the same parameter at once).</summary>
    public List<(int Line, string Name)> Duplicates { get; } = new();
}

/// <summary>A paragraph of help text; <see cref="Preformatted"/> keeps its line breaks (code, tables).</summary>
internal sealed record Paragraph(string Text, bool Preformatted = false);

/// <summary>A "### …" section: its heading's line (for error messages), its paragraphs, and an optional default value.</summary>
internal sealed class HelpSection
{
    public required int Line { get; init; }

    public List<Paragraph> Text { get; } = new();

    /// <summary>From a "Default value: …" line: what Get-Help shows when the compiled default says nothing useful.</summary>
    public string? DefaultValue { get; set; }
}

internal sealed class HelpExample
{
    public required int Line { get; init; }

    public required string Title { get; init; }

    public string Code { get; set; } = string.Empty;

    public List<Paragraph> Remarks { get; } = new();
}
