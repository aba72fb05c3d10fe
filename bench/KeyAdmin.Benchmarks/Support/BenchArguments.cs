using System.Globalization;

namespace KeyAdmin.Benchmarks.Support;

/// <summary>
/// A bench command's arguments, read one option at a time: the options every command that writes stores has
/// (--work DIR, --keep true, --json FILE) are taken here; <see cref="Names"/> yields the others to the command.
/// </summary>
internal sealed class BenchArguments(IReadOnlyList<string> args, string usage)
{
    private int at = -1;

    /// <summary>Where the command's stores and logs go (--work); a new temp folder when null.</summary>
    public string? WorkFolder { get; private set; }

    /// <summary>Whether the work folder is kept at the end (--keep).</summary>
    public bool Keep { get; private set; }

    /// <summary>Where every figure is written as JSON too (--json).</summary>
    public string? JsonPath { get; private set; }

    /// <summary>The names of the options that are not the shared ones, in order; read each one's value before the next.</summary>
    public IEnumerable<string> Names()
    {
        while (++at < args.Count)
        {
            switch (args[at])
            {
                case "--work":
                    WorkFolder = FullPath();
                    break;
                case "--keep":
                    Keep = bool.Parse(Value());
                    break;
                case "--json":
                    JsonPath = FullPath();
                    break;
                default:
                    yield return args[at];
                    break;
            }
        }
    }

    /// <summary>The current option's value.</summary>
    public string Value() => at + 1 < args.Count ? args[++at] : throw new ArgumentException($"{args[at]} needs a value.");

    /// <summary>The current option's value as a whole number of at least <paramref name="minimum"/>.</summary>
    public int Count(int minimum)
    {
        var name = args[at];
        var value = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
        return value >= minimum ? value : throw new ArgumentException($"{name} must be at least {minimum}.");
    }

    /// <summary>The current option's value as a full path.</summary>
    public string FullPath() => Path.GetFullPath(Value());

    /// <summary>The refusal of an option the command does not have, with the list of those it has.</summary>
    public ArgumentException Unknown(string name) => new($"Unknown option '{name}'. Options: {usage} --work DIR --keep true --json FILE");
}
