using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Security;

namespace KeyAdmin.Tests.Support;

/// <summary>
/// Looks for secret values (API secrets, authenticator seeds, codes) in everything a command produced: every
/// property of every output object (walked), error records, warnings, verbose, debug and information
/// messages. A failure names the secret by its label and the stream, never by its value.
/// </summary>
public sealed class LeakScanner
{
    private readonly List<(string Label, string Value)> secrets = new();

    public void Watch(string label, string value)
    {
        Assert.False(string.IsNullOrEmpty(value), "A watched secret must not be empty: " + label);
        if (!secrets.Any(s => s.Value == value))
        {
            secrets.Add((label, value));
        }
    }

    /// <summary>Runs <paramref name="script"/> and fails if any stream shows a watched secret.</summary>
    public ScriptResult Run(ModuleSession session, string script, params object?[] args)
    {
        var result = session.Run(script, args);
        Check(result, script);
        return result;
    }

    public void Check(ScriptResult result, string what)
    {
        foreach (var (stream, text) in Texts(result))
        {
            CheckText(text, $"{stream} of '{what}'");
        }
    }

    public void CheckText(string text, string where)
    {
        foreach (var (label, value) in secrets)
        {
            Assert.False(
                text.Contains(value, StringComparison.OrdinalIgnoreCase),
                $"The {label} appeared in {where}.");
        }
    }

    public static IEnumerable<(string Stream, string Text)> Texts(ScriptResult result)
    {
        foreach (var output in result.Output)
        {
            foreach (var text in Walk(output, 0))
            {
                yield return ("output", text);
            }
        }

        foreach (var error in result.AllErrors)
        {
            foreach (var text in ErrorTexts(error))
            {
                yield return ("error", text);
            }
        }

        foreach (var (stream, messages) in new[] { ("warning", result.Warnings), ("verbose", result.Verbose), ("debug", result.Debug), ("information", result.Information) })
        {
            foreach (var message in messages)
            {
                yield return (stream, message);
            }
        }

        if (result.Terminating is { } terminating)
        {
            for (Exception? e = terminating; e is not null; e = e.InnerException)
            {
                yield return ("terminating exception", e.Message);
            }
        }
    }

    public static IEnumerable<string> ErrorTexts(ErrorRecord error)
    {
        yield return error.FullyQualifiedErrorId;
        yield return error.ToString();
        yield return error.CategoryInfo.ToString();
        if (error.ErrorDetails is { } details)
        {
            yield return details.Message ?? string.Empty;
            yield return details.RecommendedAction ?? string.Empty;
        }

        for (Exception? e = error.Exception; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }

        foreach (var text in Walk(error.TargetObject, 0))
        {
            yield return text;
        }
    }

    /// <summary>The text of a value and, recursively, of its properties and items (SecureStrings opened).</summary>
    public static IEnumerable<string> Walk(object? value, int depth)
    {
        if (value is null || depth > 4)
        {
            yield break;
        }

        var bare = value is PSObject wrapped ? wrapped.BaseObject : value;
        switch (bare)
        {
            case string s:
                yield return s;
                yield break;
            case SecureString secure:
                yield return Secure.ToPlain(secure);
                yield break;
            case DateTimeOffset or DateTime or TimeSpan or Enum or Guid:
                yield return ((IFormattable)bare).ToString(null, CultureInfo.InvariantCulture);
                yield break;
            case IFormattable formattable when bare.GetType().IsPrimitive || bare is decimal:
                yield return formattable.ToString(null, CultureInfo.InvariantCulture);
                yield break;
            case bool b:
                yield return b.ToString();
                yield break;
            case IEnumerable items:
                foreach (var item in items)
                {
                    foreach (var text in Walk(item, depth + 1))
                    {
                        yield return text;
                    }
                }

                yield break;
        }

        yield return bare.ToString() ?? string.Empty;
        foreach (var property in PSObject.AsPSObject(value).Properties)
        {
            object? inner;
            try
            {
                inner = property.Value;
            }
            catch (GetValueException)
            {
                continue;
            }

            foreach (var text in Walk(inner, depth + 1))
            {
                yield return text;
            }
        }
    }
}
