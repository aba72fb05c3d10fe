using System.Globalization;
using System.Text.Json;

namespace KeyAdmin.ScaleHost;

/// <summary>
/// Started by <c>KeyAdmin.Benchmarks scale</c>, one process per measurement so that each peak of memory and
/// each cold import belongs to that measurement alone. Writes its figures as a flat JSON object to --out.
/// </summary>
/// <remarks>
/// Modes:
/// <list type="bullet">
/// <item><c>listing --module DIR --store FILE --keys N --runs R --out FILE</c>: Get-ApiKey and Test-ApiKeyCompliance over
/// the whole store against a baseline cmdlet that emits N plain objects in the same runspace.</item>
/// <item><c>import-cold --manifest PSD1 [--store FILE --key-id ID] --out FILE</c>: one import into a fresh runspace of a
/// fresh process, and the first command's latency.</item>
/// <item><c>import-warm --module DIR --empty DIR --runs R --out FILE</c>: repeated imports into fresh runspaces of one process.</item>
/// <item><c>make-empty --empty DIR</c>: writes the empty binary module that imports are compared with.</item>
/// </list>
/// </remarks>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: KeyAdmin.ScaleHost listing|import-cold|import-warm|make-empty --option value ...");
            return 2;
        }

        var options = Options.Parse(args[1..]);
        var results = new SortedDictionary<string, double>(StringComparer.Ordinal);
        switch (args[0])
        {
            case "listing":
                ListingMeasurement.Run(options, results);
                break;
            case "import-cold":
                ImportMeasurement.Cold(options, results);
                break;
            case "import-warm":
                ImportMeasurement.Warm(options, results);
                break;
            case "make-empty":
                EmptyModule.Ensure(options.Required("empty"));
                return 0;
            default:
                Console.Error.WriteLine($"unknown mode '{args[0]}'");
                return 2;
        }

        File.WriteAllText(options.Required("out"), JsonSerializer.Serialize(results));
        return 0;
    }
}

/// <summary>--name value pairs.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value, got '{args[i]}'.");
            }

            options.values[args[i][2..]] = args[++i];
        }

        return options;
    }

    public string Required(string name) =>
        values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

    public string? Optional(string name) => values.TryGetValue(name, out var value) ? value : null;

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
