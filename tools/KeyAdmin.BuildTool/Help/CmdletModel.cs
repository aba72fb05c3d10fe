using System.Collections;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace KeyAdmin.BuildTool.Help;

/// <summary>What PowerShell itself knows about a cmdlet, read from the compiled assembly by reflection.</summary>
internal sealed record CmdletModel(
    string Name,
    string Verb,
    string Noun,
    string DefaultParameterSet,
    bool SupportsShouldProcess,
    ConfirmImpact ConfirmImpact,
    IReadOnlyList<ParameterModel> Parameters,
    IReadOnlyList<Type> OutputTypes)
{
    public const string AllSets = ParameterAttribute.AllParameterSets;

    /// <summary>The cmdlet's parameter sets in the order Get-Help should show them: the default first.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets.Keys).Where(s => s != AllSets).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (named.Count == 0)
            {
                return new[] { AllSets };
            }

            return named.OrderBy(s => string.Equals(s, DefaultParameterSet, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ToList();
        }
    }

    /// <summary>The parameters usable in <paramref name="set"/>, in syntax order: positional, mandatory, the rest, switches.</summary>
    public IEnumerable<(ParameterModel Parameter, ParameterSetModel In)> InSet(string set) =>
        Parameters
            .Select(p => (Parameter: p, In: p.Sets.TryGetValue(set, out var s) ? s : p.Sets.GetValueOrDefault(AllSets)))
            .Where(x => x.In is not null)
            .Select(x => (x.Parameter, In: x.In!))
            .OrderBy(x => x.In.Position is null ? 1 : 0)
            .ThenBy(x => x.In.Position ?? 0)
            .ThenBy(x => x.In.Mandatory ? 0 : 1)
            .ThenBy(x => x.Parameter.IsSwitch ? 1 : 0)
            .ThenBy(x => x.Parameter.Order);

    /// <summary>Loads <paramref name="assemblyPath"/> (resolving its references in <paramref name="probe"/>) and models every [Cmdlet] type.</summary>
    public static IReadOnlyList<CmdletModel> Load(string assemblyPath, IReadOnlyList<string> probe)
    {
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            foreach (var folder in probe.Prepend(Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!))
            {
                var candidate = Path.GetFullPath(Path.Combine(folder, name.Name + ".dll"));
                if (File.Exists(candidate))
                {
                    return context.LoadFromAssemblyPath(candidate);
                }
            }

            return null;
        };

        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
        return assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && typeof(Cmdlet).IsAssignableFrom(t) && t.GetCustomAttribute<CmdletAttribute>() is not null)
            .Select(FromType)
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private static CmdletModel FromType(Type type)
    {
        var cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
        // A fresh instance tells the defaults a property initializer gives (UnusedDays = 90, ExpiresIn = "Never" …).
        var instance = Activator.CreateInstance(type);
        var order = 0;
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttributes<ParameterAttribute>(inherit: true).Any())
            // Declaration order, the base class's parameters (the key-naming ones) first.
            .OrderBy(p => Depth(p.DeclaringType!))
            .ThenBy(p => p.MetadataToken)
            .Select(p => ParameterModel.From(p, instance, order++))
            .ToList();
        var outputs = type.GetCustomAttributes<OutputTypeAttribute>()
            .SelectMany(a => a.Type)
            .Select(t => t.Type ?? throw new InvalidOperationException($"{type.Name}: [OutputType('{t.Name}')] names a type this tool cannot load."))
            .Distinct()
            .ToList();

        return new CmdletModel(
            $"{cmdlet.VerbName}-{cmdlet.NounName}",
            cmdlet.VerbName,
            cmdlet.NounName,
            cmdlet.DefaultParameterSetName ?? AllSets,
            cmdlet.SupportsShouldProcess,
            cmdlet.ConfirmImpact,
            parameters,
            outputs);
    }

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var t = type; t is not null; t = t.BaseType)
        {
            depth++;
        }

        return depth;
    }
}

/// <summary>One parameter: its type, sets, aliases, wildcard support, accepted values and default.</summary>
internal sealed record ParameterModel(
    string Name,
    Type Type,
    int Order,
    IReadOnlyDictionary<string, ParameterSetModel> Sets,
    IReadOnlyList<string> Aliases,
    bool SupportsWildcards,
    IReadOnlyList<string> AcceptedValues,
    string DefaultValue)
{
    public bool IsSwitch => Type == typeof(SwitchParameter);

    /// <summary>Nullable&lt;T&gt; shows as T: an optional parameter's type is what a user passes.</summary>
    public Type ValueType => Nullable.GetUnderlyingType(Type) ?? Type;

    public bool MandatoryEverywhere => Sets.Values.All(s => s.Mandatory);

    public bool ByValue => Sets.Values.Any(s => s.ByValue);

    public bool ByPropertyName => Sets.Values.Any(s => s.ByPropertyName);

    public static ParameterModel From(PropertyInfo property, object? instance, int order)
    {
        var sets = property.GetCustomAttributes<ParameterAttribute>(inherit: true).ToDictionary(
            a => a.ParameterSetName ?? CmdletModel.AllSets,
            a => new ParameterSetModel(a.Mandatory, a.Position == int.MinValue ? null : a.Position, a.ValueFromPipeline, a.ValueFromPipelineByPropertyName),
            StringComparer.OrdinalIgnoreCase);
        var aliases = property.GetCustomAttributes<AliasAttribute>(inherit: true).SelectMany(a => a.AliasNames).ToList();
        var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var elementType = valueType.IsArray ? valueType.GetElementType()! : valueType;
        elementType = Nullable.GetUnderlyingType(elementType) ?? elementType;
        var accepted = property.GetCustomAttribute<ValidateSetAttribute>(inherit: true)?.ValidValues.ToList()
            ?? (elementType.IsEnum ? Enum.GetNames(elementType).ToList() : new List<string>());

        return new ParameterModel(
            property.Name,
            property.PropertyType,
            order,
            sets,
            aliases,
            property.GetCustomAttribute<SupportsWildcardsAttribute>(inherit: true) is not null,
            accepted,
            DefaultOf(property, instance, sets.Values.All(s => s.Mandatory)));
    }

    private static string DefaultOf(PropertyInfo property, object? instance, bool mandatory)
    {
        if (property.PropertyType == typeof(SwitchParameter))
        {
            return "False";
        }

        // A mandatory parameter's initializer only keeps the compiler's nullable analysis quiet; it is never used.
        var value = mandatory || instance is null ? null : property.GetValue(instance);
        return value switch
        {
            null => "None",
            string s when s.Length == 0 => "None",
            string s => s,
            IEnumerable items => items.Cast<object>().Any() ? string.Join(", ", items.Cast<object>()) : "None",
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "None",
        };
    }
}

/// <summary>How a parameter behaves in one parameter set.</summary>
internal sealed record ParameterSetModel(bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);
