using System.Text.RegularExpressions;

namespace KeyAdmin.BuildTool.Manifest;

/// <summary>
/// Writes the module folder's copy of KeyAdmin.psd1: ModuleVersion from Directory.Build.props (the one version
/// source) and PSData.ReleaseNotes from that version's section of CHANGELOG.md, so the gallery shows what the
/// changelog says and nobody copies it by hand.
/// </summary>
internal static partial class ManifestWriter
{
    public static int Run(string source, string changelog, string version, string output, TextWriter errors)
    {
        var manifest = File.ReadAllText(source);
        var notes = ReleaseNotes(File.ReadAllText(changelog), version);
        if (notes is null)
        {
            errors.WriteLine($"{Path.GetFullPath(changelog)}(1): error KAMANIFEST: CHANGELOG.md has no '## {version}' section: add the release notes of version {version} (Directory.Build.props).");
            return 1;
        }

        if (!VersionPattern().IsMatch(manifest) || !ReleaseNotesPattern().IsMatch(manifest))
        {
            errors.WriteLine($"{Path.GetFullPath(source)}(1): error KAMANIFEST: the manifest needs a ModuleVersion and a PSData ReleaseNotes entry for the build to fill in.");
            return 1;
        }

        manifest = VersionPattern().Replace(manifest, _ => $"ModuleVersion        = '{version}'", 1);
        manifest = ReleaseNotesPattern().Replace(manifest, m => m.Groups["lead"].Value + Quote(notes), 1);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        // Only when different, so that an unchanged manifest keeps its time stamp and the layout stays incremental.
        if (!File.Exists(output) || File.ReadAllText(output) != manifest)
        {
            File.WriteAllText(output, manifest, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        return 0;
    }

    /// <summary>The "## &lt;version&gt; …" section of the changelog, heading line included, up to the next "## ".</summary>
    public static string? ReleaseNotes(string changelog, string version)
    {
        var lines = changelog.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => Regex.IsMatch(l, $@"^##\s+\[?{Regex.Escape(version)}\]?(\s|$)"));
        if (start < 0)
        {
            return null;
        }

        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        var section = lines[start..(end < 0 ? lines.Length : end)];
        section[0] = section[0][2..].Trim();
        return string.Join("\n", section).Trim();
    }

    /// <summary>A PowerShell single-quoted string: nothing inside is expanded, a quote is doubled.</summary>
    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"ModuleVersion\s*=\s*'[^']*'")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"(?<lead>ReleaseNotes\s*=\s*)'(?:[^']|'')*'")]
    private static partial Regex ReleaseNotesPattern();
}
