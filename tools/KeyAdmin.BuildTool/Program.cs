using KeyAdmin.BuildTool.Help;
using KeyAdmin.BuildTool.Manifest;

// Run by src/KeyAdmin/KeyAdmin.csproj; errors are printed as "file(line): error CODE: message" so MSBuild shows
// them as build errors that point at the file to fix.
//
//   help     --assembly KeyAdmin.dll --probe <dir> --source src/KeyAdmin/Help --about src/KeyAdmin/en-US --output <xml>
//   manifest --source KeyAdmin.psd1 --changelog CHANGELOG.md --version 0.1.0 --output <psd1>
var options = Options.Parse(args.Skip(1));
switch (args.FirstOrDefault())
{
    case "help":
        return HelpBuilder.Run(
            options.Require("assembly"),
            options.All("probe"),
            options.Require("source"),
            options.Require("about"),
            options.Require("output"),
            Console.Out);
    case "manifest":
        return ManifestWriter.Run(options.Require("source"), options.Require("changelog"), options.Require("version"), options.Require("output"), Console.Out);
    default:
        Console.Error.WriteLine("usage: KeyAdmin.BuildTool help|manifest --option value …");
        return 2;
}

/// <summary>"--name value" pairs; a name may repeat.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string Value)> pairs = new();

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string? name = null;
        foreach (var arg in args)
        {
            if (name is null && arg.StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[2..];
            }
            else if (name is not null)
            {
                options.pairs.Add((name, arg));
                name = null;
            }
        }

        return options;
    }

    public string Require(string name) =>
        pairs.LastOrDefault(p => p.Name == name).Value ?? throw new ArgumentException($"--{name} is required.");

    public IReadOnlyList<string> All(string name) => pairs.Where(p => p.Name == name).Select(p => p.Value).ToList();
}
