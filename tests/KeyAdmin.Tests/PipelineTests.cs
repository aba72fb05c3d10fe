using System.Diagnostics;
using System.Management.Automation;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>Keys named through the pipeline, by object, by property name and by wildcard; per-item failures go on.</summary>
public sealed class PipelineTests
{
    [Fact]
    public void Disable_PipedFromGetApiKeyWithWildcard_DisablesExactlyTheMatchingKeys()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount("desk");
        var ops = session.NewConfirmedAccount("ops");
        session.NewKeys(desk, "bot-a", "bot-b", "web-a");
        session.NewKeys(ops, "bot-a");

        var result = session.Run("Get-ApiKey -Account desk -Name bot* | Disable-ApiKey -Confirm:$false").ThrowOnError();

        Assert.Empty(result.Output);
        Assert.Equal(
            new Dictionary<string, string> { ["bot-a"] = "Disabled", ["bot-b"] = "Disabled", ["web-a"] = "Enabled" },
            session.Statuses("desk"));
        Assert.Equal(new Dictionary<string, string> { ["bot-a"] = "Enabled" }, session.Statuses("ops"));
    }

    [Fact]
    public void Disable_PlainKeyIdsPipedIn_BindByValue()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keys = session.NewKeys(desk, "bot-a", "bot-b", "bot-c");

        session.Run("$args[0], $args[1] | Disable-ApiKey -Confirm:$false", keys[0].Text("KeyId"), keys[2].Text("KeyId")).ThrowOnError();

        Assert.Equal(
            new Dictionary<string, string> { ["bot-a"] = "Disabled", ["bot-b"] = "Enabled", ["bot-c"] = "Disabled" },
            session.Statuses("desk"));
    }

    [Fact]
    public void Disable_FromObjectWithKeyIdProperty_BindsByPropertyName()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keys = session.NewKeys(desk, "bot-a", "bot-b");

        var disabled = session.Run(
            "[pscustomobject]@{ KeyId = $args[0]; Note = 'from a CSV' } | Disable-ApiKey -Confirm:$false -PassThru",
            keys[1].Text("KeyId")).Single();

        Assert.Equal("bot-b", disabled.Text("Name"));
        Assert.Equal(new Dictionary<string, string> { ["bot-a"] = "Enabled", ["bot-b"] = "Disabled" }, session.Statuses("desk"));
    }

    [Fact]
    public void Disable_ByAccountAndWildcardName_IgnoresCaseAndOtherAccounts()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount("desk");
        var ops = session.NewConfirmedAccount("ops");
        session.NewKeys(desk, "Bot-A", "bot-b", "web-a");
        session.NewKeys(ops, "bot-c");

        session.Run("Disable-ApiKey -Account desk -Name BOT-* -Confirm:$false").ThrowOnError();

        Assert.Equal(
            new Dictionary<string, string> { ["Bot-A"] = "Disabled", ["bot-b"] = "Disabled", ["web-a"] = "Enabled" },
            session.Statuses("desk"));
        Assert.Equal("Enabled", session.Statuses("ops")["bot-c"]);
    }

    [Fact]
    public void Get_FiltersByStatusPermissionAndName()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.Run(
            """
            @(
                [pscustomobject]@{ Account = 'desk'; Name = 'bot-a'; Permission = 'Trade' }
                [pscustomobject]@{ Account = 'desk'; Name = 'bot-b'; Permission = 'Read' }
                [pscustomobject]@{ Account = 'desk'; Name = 'vault'; Permission = 'Trade', 'Withdraw'; IpAddress = '203.0.113.7' }
            ) | New-ApiKey -Code $args[0]
            """,
            desk.NextCode()).ThrowOnError();
        session.Run("Disable-ApiKey -Account desk -Name bot-b -Confirm:$false").ThrowOnError();

        Assert.Equal(new[] { "bot-b" }, Names(session, "Get-ApiKey -Status Disabled"));
        Assert.Equal(new[] { "bot-a", "vault" }, Names(session, "Get-ApiKey -Status Enabled"));
        Assert.Equal(new[] { "bot-a", "vault" }, Names(session, "Get-ApiKey -Permission Trade"));
        Assert.Equal(new[] { "vault" }, Names(session, "Get-ApiKey -Permission Trade, Withdraw"));
        Assert.Equal(new[] { "bot-a", "bot-b", "vault" }, Names(session, "Get-ApiKey -Permission Read"));
        Assert.Equal(new[] { "bot-a", "bot-b" }, Names(session, "Get-ApiKey -Account desk -Name BOT-*"));
        Assert.Equal(new[] { "bot-a" }, Names(session, "Get-ApiKey -Name Bot-A"));
        Assert.Equal(new[] { "bot-b" }, Names(session, "Get-ApiKey -Name bot* -Status Disabled"));
        Assert.Empty(Names(session, "Get-ApiKey -Name nothing*"));
    }

    [Fact]
    public void Get_NameWithoutWildcardThatMatchesNothing_ReportsKeyNotFound()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a");

        var result = session.Run("Get-ApiKey -Account desk -Name bot-a, missing");

        Assert.Equal(new[] { "bot-a" }, result.Output.Select(k => k.Text("Name")));
        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.KeyNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("missing", error.TargetObject);
    }

    [Fact]
    public void Disable_SomeIdsUnknown_DisablesTheOthersAndReportsOneNonTerminatingKeyNotFound()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keys = session.NewKeys(desk, "bot-a", "bot-b", "bot-c");
        var bogus = "kak_0000000000000000000000000000";

        // try/catch sees only terminating errors: a missing key must not stop the others.
        var result = session.Run(
            "try { Disable-ApiKey -KeyId $args[0], $args[1], $args[2] -Confirm:$false; 'went on' } catch { 'stopped' }",
            keys[0].Text("KeyId"), bogus, keys[2].Text("KeyId"));

        Assert.Equal(new[] { "went on" }, result.Output.Select(o => o.ToString()));
        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.KeyNotFound,KeyAdmin.Cmdlets.Keys.DisableApiKeyCommand", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(bogus, error.TargetObject);
        Assert.Equal(
            new Dictionary<string, string> { ["bot-a"] = "Disabled", ["bot-b"] = "Enabled", ["bot-c"] = "Disabled" },
            session.Statuses("desk"));
    }

    [Fact]
    public void Disable_PipelineWithAMissingItem_GoesOnWithTheNextItems()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keys = session.NewKeys(desk, "good", "good2");

        var result = session.Run(
            "$args[0], 'kak_missing', $args[1] | ForEach-Object { [pscustomobject]@{ KeyId = $_ } } | Disable-ApiKey -Confirm:$false -PassThru",
            keys[0].Text("KeyId"), keys[1].Text("KeyId"));

        Assert.Equal(new[] { "good", "good2" }, result.Output.Select(k => k.Text("Name")));
        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.KeyNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal("kak_missing", error.TargetObject);
    }

    [Fact]
    public void New_PipedRowsWithADuplicateName_CreatesTheOthersAndReportsKeyNameExists()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var result = session.Run(
            "'bot-a', 'BOT-A', 'bot-b' | ForEach-Object { [pscustomobject]@{ Account = 'desk'; Name = $_ } } | New-ApiKey -Code $args[0]",
            desk.NextCode());

        Assert.Equal(new[] { "bot-a", "bot-b" }, result.Output.Select(k => k.Text("Name")));
        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.KeyNameExists,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(new[] { "bot-a", "bot-b" }, session.KeyNames("desk"));
    }

    [Fact]
    public void Remove_PipedFromGetApiKey_DeletesEachKeyWithoutWaitingOnTheListing()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "old-a", "old-b", "keep");
        session.Run("Disable-ApiKey -Account desk -Name old-* -Confirm:$false").ThrowOnError();

        // Get-ApiKey streams from an open read while Remove-ApiKey deletes: the delete must not wait on that read.
        var clock = Stopwatch.StartNew();
        session.Run("Get-ApiKey -Account desk -Status Disabled | Remove-ApiKey -Code $args[0] -Confirm:$false", desk.NextCode()).ThrowOnError();
        clock.Stop();

        Assert.Equal(new[] { "keep" }, session.KeyNames("desk"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Removing two piped keys took {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public void Remove_AccountsByName_RemovesTheEmptyOneAndReportsTheUnknownOne()
    {
        using var session = new ModuleSession();
        session.NewPendingAccount("empty");

        var result = session.Run("Remove-KeyAdminAccount -Name ghost, empty -Confirm:$false");

        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.AccountNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal("ghost", error.TargetObject);
        Assert.Empty(session.Run("Get-KeyAdminAccount").ThrowOnError().Output);
    }

    private static string[] Names(ModuleSession session, string script) =>
        session.Run(script).ThrowOnError().Output.Select(k => k.Text("Name")!).Order(StringComparer.Ordinal).ToArray();
}
