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

            var connected = session.Run("Connect-KeyAdminStore -Path $args[0] -Create; Get-KeyAdminStore", session.StorePath).Single();

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
    public void EnvironmentVariable_NamingAMissingStore_IsStoreNotFoundForReads_AndCreatesNothing()
    {
        using var session = new ModuleSession(connect: false);
        var store = Path.Combine(session.Directory, "typo", "keyadmin.db");
        try
        {
            var result = session.Run("$env:KEYADMIN_STORE = $args[0]; Test-ApiKeyCompliance", store);

            Assert.StartsWith("KeyAdmin.StoreNotFound,", result.OnlyError().FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.GetDirectoryName(store)), "a reading command created the store named by $env:KEYADMIN_STORE");
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

/// <summary>
/// A command that only reads never creates a store or a key-encryption key: a mistyped path fails instead. Nor does
/// one that changes what only an existing store holds (a policy needs its store administrator, a reset or a recovery
/// code an account): only the two enrolments create a store.
/// </summary>
public sealed class MissingStoreTests
{
    public static TheoryData<string> ReadingCommands() => new()
    {
        "Get-ApiKey",
        "Get-ApiKey -KeyId kak_0000000000000000000000000000",
        "Get-KeyAdminAccount",
        "Get-KeyAdminAuthenticator -Account desk",
        "Get-KeyAdminPolicy",
        "Get-ApiKeyAuditLog",
        "Test-ApiKeyAuditLog",
        "Test-ApiKeyCompliance",
        "Get-ApiKeyRotation",
        "Test-ApiKey -KeyId kak_0000000000000000000000000000 -Timestamp 1 -Signature x -Method GET -Path / -IpAddress 203.0.113.7",
        "Disable-ApiKey -KeyId kak_0000000000000000000000000000",
        "Remove-KeyAdminAccount -Name desk -Force",
        "Get-KeyAdminAuthenticator -StoreAdministrator",
        "Set-KeyAdminPolicy -MaxKeysPerAccount 10 -Code 123456 -Force",
        "Reset-KeyAdminAuthenticator -StoreAdministrator -Reason 'phone lost' -Force",
        "Stop-KeyAdminAuthenticatorReset -Account desk -Code 123456",
        "New-KeyAdminRecoveryCode -Account desk -Code 123456",
        "Confirm-KeyAdminAuthenticator -StoreAdministrator -Code 123456",
    };

    [Theory]
    [MemberData(nameof(ReadingCommands))]
    public void ReadingCommand_OnAMissingStore_FailsWithStoreNotFound_AndCreatesNothing(string command)
    {
        using var session = new ModuleSession(connect: false);
        var store = Path.Combine(session.Directory, "typo", "keyadimn.db");
        session.Run("Connect-KeyAdminStore -Path $args[0] -WarningAction SilentlyContinue", store).ThrowOnError();

        var result = session.Run(command);

        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.StoreNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(store, error.TargetObject);
        Assert.Contains("-Create", error.Exception.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(store)), "a reading command created the store's folder");
    }

    [Fact]
    public void Connect_ToAMissingFile_CreatesNothing_WarnsAndTheFirstChangeCreatesIt()
    {
        using var session = new ModuleSession(connect: false);
        var store = Path.Combine(session.Directory, "new", "keyadmin.db");

        var connected = session.Run("Connect-KeyAdminStore -Path $args[0] -PassThru", store);

        Assert.False(File.Exists(store) || File.Exists(store + ".kek"), "Connect-KeyAdminStore without -Create created the store");
        Assert.False((bool)Assert.Single(connected.Output).Property("Exists")!);
        Assert.Contains("-Create", Assert.Single(connected.Warnings), StringComparison.Ordinal);
        session.NewPendingAccount("desk");
        Assert.True(File.Exists(store) && File.Exists(store + ".kek"));
        Assert.Equal("desk", session.Run("Get-KeyAdminAccount").Single().Text("Name"));
    }

    [Fact]
    public void Connect_ToAMissingFile_ThenTheStoreAdministratorsEnrolment_CreatesTheStore()
    {
        using var session = new ModuleSession(connect: false);
        var store = Path.Combine(session.Directory, "new", "keyadmin.db");
        session.Run("Connect-KeyAdminStore -Path $args[0] -WarningAction SilentlyContinue", store).ThrowOnError();

        var enrolment = session.Run("New-KeyAdminStoreAdministrator -Email security@example.com").ThrowOnError().Single();

        Assert.Equal("(store)", enrolment.Text("Account"));
        Assert.True(File.Exists(store) && File.Exists(store + ".kek"));
        Assert.Equal("Pending", session.Run("Get-KeyAdminAuthenticator -StoreAdministrator").ThrowOnError().Single().Text("Status"));
    }

    [Fact]
    public void Connect_WithCreate_CreatesTheStoreAndItsKeyAtOnce_AndReadsFindItEmpty()
    {
        using var session = new ModuleSession(connect: false);
        var store = Path.Combine(session.Directory, "new", "keyadmin.db");

        var connected = session.Run("Connect-KeyAdminStore -Path $args[0] -Create -PassThru", store).Single();

        Assert.True((bool)connected.Property("Exists")!);
        Assert.True(File.Exists(store) && File.Exists(store + ".kek"));
        Assert.Empty(session.Run("Get-ApiKey").ThrowOnError().Output);
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

        var info = session.Run("Connect-KeyAdminStore -Path $args[0] -Create -PassThru", other).Single();

        Assert.Equal(other, info.Text("Location"));
        Assert.True(File.Exists(other));
        Assert.Empty(session.Run("Get-ApiKey").ThrowOnError().Output);
        session.Run("Connect-KeyAdminStore -Path $args[0]", session.StorePath).ThrowOnError();
        Assert.Equal(new[] { "bot-a" }, session.KeyNames("desk"));
    }
}
