using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Tests that change the test process's environment ($env: inside a runspace is the process's environment):
/// they run alone, after every other test class.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Which store a session uses: Connect-KeyAdminStore, else $env:KEYADMIN_STORE, else the data folder.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class StoreSelectionTests
{
    [Fact]
    public void EnvironmentVariable_ChoosesTheStore_AndConnectOverridesIt()
    {
        using var session = new ModuleSession(connect: false);
        var fromEnvironment = Path.Combine(session.Directory, "env", "keyadmin.db");
        try
        {
            var reported = session.Run("$env:KEYADMIN_STORE = $args[0]; Get-KeyAdminStore", fromEnvironment).Single();

            Assert.Equal("$env:KEYADMIN_STORE", reported.Text("Source"));
            Assert.Equal(fromEnvironment, reported.Text("Location"));
            Assert.False((bool)reported.Property("Exists")!, "Get-KeyAdminStore created the store it reports.");

            session.NewPendingAccount("desk");
            Assert.True(File.Exists(fromEnvironment), "The first change did not create the store that $env:KEYADMIN_STORE names.");

            var connected = session.Run("Connect-KeyAdminStore -Path $args[0]; Get-KeyAdminStore", session.StorePath).Single();

            Assert.Equal("Connect-KeyAdminStore", connected.Text("Source"));
            Assert.Equal(session.StorePath, connected.Text("Location"));
            Assert.Empty(session.Run("Get-KeyAdminAccount").ThrowOnError().Output);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KEYADMIN_STORE", null);
        }
    }

    [Fact]
    public void NonInteractiveVariable_StopsPromptsEvenInAnInteractiveHost()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        host.QueueSecureAnswer(desk.NextCode());
        try
        {
            var result = session.Run("$env:KEYADMIN_NONINTERACTIVE = '1'; New-ApiKey -Account desk -Name bot-a");

            Assert.StartsWith("KeyAdmin.TwoFactorCodeRequired,", result.OnlyError().FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Empty(host.SecurePrompts);
            Assert.Empty(session.KeyNames("desk"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KEYADMIN_NONINTERACTIVE", null);
        }
    }
}

/// <summary>Each session works on its own store.</summary>
public sealed class StoreIsolationTests
{
    [Fact]
    public void TwoSessions_ConnectedToDifferentStores_DoNotSeeEachOthersKeys()
    {
        using var first = new ModuleSession();
        using var second = new ModuleSession();
        var firstDesk = first.NewConfirmedAccount();
        var secondDesk = second.NewConfirmedAccount();

        var firstKey = first.NewKeys(firstDesk, "bot-first")[0].Text("KeyId")!;
        second.NewKeys(secondDesk, "bot-second");

        Assert.Equal(new[] { "bot-first" }, first.KeyNames("desk"));
        Assert.Equal(new[] { "bot-second" }, second.KeyNames("desk"));
        Assert.StartsWith("KeyAdmin.KeyNotFound,", second.Run("Get-ApiKey -KeyId $args[0]", firstKey).OnlyError().FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(first.StorePath, first.Run("Get-KeyAdminStore").Single().Text("Location"));
        Assert.Equal(second.StorePath, second.Run("Get-KeyAdminStore").Single().Text("Location"));
    }

    [Fact]
    public void Connect_ToAnotherStore_SwitchesTheSessionAndBackAgain()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a");
        var other = Path.Combine(session.Directory, "other", "keyadmin.db");

        var info = session.Run("Connect-KeyAdminStore -Path $args[0] -PassThru", other).Single();

        Assert.Equal(other, info.Text("Location"));
        Assert.True(File.Exists(other));
        Assert.Empty(session.Run("Get-ApiKey").ThrowOnError().Output);
        session.Run("Connect-KeyAdminStore -Path $args[0]", session.StorePath).ThrowOnError();
        Assert.Equal(new[] { "bot-a" }, session.KeyNames("desk"));
    }
}
