using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>The README's first job, run as written: examples/quickstart.ps1 against the built module.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public void Quickstart_RunsTheWholeLifeOfAKey_AndCleansUp()
    {
        // A host with a user interface, as pwsh's console is: the quickstart draws the store administrator's QR code.
        var host = new PromptingHost();
        using var session = new ModuleSession(host, connect: false);
        var script = Path.Combine(ModulePaths.Root, "examples", "quickstart.ps1");

        var result = session.Run("& $args[0]", script).ThrowOnError();

        var lines = result.Output.Where(o => o.BaseObject is string).Select(o => (string)o.BaseObject).ToList();
        Assert.Contains(lines, l => l.StartsWith("3. Created key kak_", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("it is Disabled", StringComparison.Ordinal));
        Assert.Contains("6. Deleted it for good (secret destroyed); 'desk' now holds 0 key(s).", lines);
        Assert.Contains(result.Output, o => o.BaseObject.GetType().Name == "ApiKeyInfo");
        Assert.DoesNotContain(lines, l => l.StartsWith("The store is kept", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("kas_", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("2. Enrolling the store administrator", StringComparison.Ordinal));
        Assert.Contains("7. Raised the key limit to 10 per account, confirmed by the store administrator's code (an account's code is refused).", lines);
        Assert.Contains("█", host.Transcript, StringComparison.Ordinal);
        Assert.Contains("Recovery codes for the store administrator", host.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("█", StringComparison.Ordinal));
    }
}
