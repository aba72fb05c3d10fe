using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Delivery into SecretManagement vaults and Invoke-ApiKeyRotation, through a stand-in for
/// Microsoft.PowerShell.SecretManagement with its public cmdlets and failure modes (missing, locked, failing
/// write, wrong read-back).
/// </summary>
public sealed class VaultAndRotationTests
{
    private const string Works = """
        param($credential)
        $headers = New-ApiKeySignature -Credential $credential -Method GET -Path '/api/v1/accounts'
        (Test-ApiKey -KeyId $headers['KA-API-KEY'] -Timestamp $headers['KA-API-TIMESTAMP'] -Signature $headers['KA-API-SIGN'] -Method GET -Path '/api/v1/accounts' -IpAddress 203.0.113.7).Accepted
        """;

    [Fact]
    public void NewApiKey_WithVault_DeliversACredentialReadBackAndOutputsNoSecret()
    {
        using var session = VaultSession(out var desk);

        var key = session.Run("New-ApiKey -Account desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7 -Vault Prod -Code $args[0]", desk.NextCode()).Single();

        Assert.Equal(("Prod", "keyadmin-desk-bot-a"), (key.Text("Vault"), key.Text("SecretName")));
        Assert.Null(key.Properties["Secret"]);
        Assert.Equal("Enabled", key.Text("Status"));
        var entry = session.Run("Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-a").Single();
        var credential = (System.Management.Automation.PSCredential)entry.Property("Value")!;
        Assert.Equal(key.Text("KeyId"), credential.UserName);
        Assert.StartsWith("kas_", Secure.ToPlain(credential.Password), StringComparison.Ordinal);
        var metadata = (System.Collections.IDictionary)entry.Property("Metadata")!;
        Assert.Equal(key.Text("KeyId"), metadata["KeyId"]);
        Assert.Equal("desk", metadata["Account"]);
        Assert.DoesNotContain(metadata.Values.Cast<object>(), v => v.ToString()!.Contains("kas_", StringComparison.Ordinal));
        Assert.Equal("Prod", session.Run("(Get-ApiKey -Account desk -Name bot-a).Vault").Single().ToString());
    }

    [Theory]
    [InlineData("Missing", "KeyAdmin.VaultNotFound")]
    [InlineData("-Locked", "KeyAdmin.VaultUnavailable")]
    [InlineData("-FailWrite", "KeyAdmin.VaultUnavailable")]
    [InlineData("-CorruptReadBack", "KeyAdmin.VaultReadBackMismatch")]
    public void NewApiKey_WhenTheVaultFails_LeavesNoKeyAndNoEntry(string fault, string errorId)
    {
        using var session = VaultSession(out var desk);
        var vault = fault == "Missing" ? "Nowhere" : "Broken";
        if (fault != "Missing")
        {
            session.Run($"Register-TestVault -Name Broken {fault}").ThrowOnError();
        }

        var result = session.Run("New-ApiKey -Account desk -Name bot-a -Vault $args[0] -Code $args[1]", vault, desk.NextCode());

        Assert.StartsWith(errorId + ",", result.ErrorId(), StringComparison.Ordinal);
        Assert.Contains(vault, result.Errors.Single().Exception.Message, StringComparison.Ordinal);
        Assert.Empty(session.Run("Get-ApiKey -Account desk").ThrowOnError().Output);
        if (fault is "-FailWrite" or "-CorruptReadBack")
        {
            session.Run("Register-TestVault -Name Broken").ThrowOnError();
            Assert.Empty(session.Run("Get-TestVaultEntry -Vault Broken").ThrowOnError().Output);
        }
    }

    [Fact]
    public void NewApiKey_IntoAnEntryThatHoldsAnotherSecret_NeverOverwritesIt()
    {
        using var session = VaultSession(out var desk);
        session.Run("Microsoft.PowerShell.SecretManagement\\Set-Secret -Name taken -Vault Prod -Secret ([pscredential]::new('someone', ([securestring]::new())))").ThrowOnError();

        var result = session.Run("New-ApiKey -Account desk -Name bot-a -Vault Prod -SecretName taken -Code $args[0]", desk.NextCode());

        Assert.StartsWith("KeyAdmin.VaultEntryInUse,", result.ErrorId(), StringComparison.Ordinal);
        Assert.Equal("someone", session.Run("(Get-TestVaultEntry -Vault Prod -Name taken).Value.UserName").Single().ToString());
    }

    [Fact]
    public void NewApiKey_WithVault_WithoutSecretManagement_SaysHowToInstallIt()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var result = session.Run("New-ApiKey -Account desk -Name bot-a -Vault Prod -Code $args[0]", desk.NextCode());

        Assert.StartsWith("KeyAdmin.SecretManagementMissing,", result.ErrorId(), StringComparison.Ordinal);
        Assert.Contains("Install-Module Microsoft.PowerShell.SecretManagement", result.Errors.Single().Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvokeApiKeyRotation_FromThePipeline_DeliversATestedSuccessorAndRetiresTheOldKey()
    {
        using var session = VaultSession(out var desk);
        var old = session.Run("New-ApiKey -Account desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7 -Memo 'Bot A' -ExpiresIn 90 -Vault Prod -Code $args[0]", desk.NextCode()).Single();

        var outcome = session.Run(
            "Get-ApiKey -Account desk -Name bot-a | Invoke-ApiKeyRotation -Test ([scriptblock]::Create($args[1])) -Code $args[0] -Confirm:$false",
            desk.NextCode(),
            Works).Single();

        Assert.Equal(("Completed", old.Text("KeyId"), "bot-a"), (outcome.Text("State"), outcome.Text("OldKeyId"), outcome.Text("KeyName")));
        var successor = session.Run("Get-ApiKey -Account desk -Name bot-a").Single();
        Assert.Equal(outcome.Text("NewKeyId"), successor.Text("KeyId"));
        Assert.Equal((old.Text("KeyId"), "Bot A", "Read, Trade", "203.0.113.7"), (successor.Text("RotatedFrom"), successor.Text("Memo"), successor.Text("Permissions"), string.Join(",", (string[])successor.Property("IpAddresses")!)));
        Assert.NotNull(successor.Property("ExpiresAt"));
        Assert.Equal(successor.Text("KeyId"), session.Run("(Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-a).Value.UserName").Single().ToString());
        var retired = session.Run("Get-ApiKey -KeyId $args[0]", old.Text("KeyId")).Single();
        Assert.Equal(("Disabled", successor.Text("KeyId")), (retired.Text("Status"), retired.Text("RotatedTo")));
        Assert.StartsWith("bot-a (retired ", retired.Text("Name"), StringComparison.Ordinal);
        Assert.Equal("Completed", session.Run("(Get-ApiKeyRotation)[0].State").Single().ToString());
    }

    [Fact]
    public void InvokeApiKeyRotation_WhenTheTestFails_UndoesEverythingAndTheOldKeyStillWorks()
    {
        using var session = VaultSession(out var desk);
        var old = session.Run("New-ApiKey -Account desk -Name bot-a -IpAddress 203.0.113.7 -Vault Prod -Code $args[0]", desk.NextCode()).Single();

        var result = session.Run("Invoke-ApiKeyRotation -KeyId $args[1] -Test { param($c) throw 'the exchange said no' } -Code $args[0] -Confirm:$false", desk.NextCode(), old.Text("KeyId"));

        Assert.StartsWith("KeyAdmin.RotationTestFailed,", result.ErrorId(), StringComparison.Ordinal);
        Assert.Equal(old.Text("KeyId"), session.Run("(Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-a).Value.UserName").Single().ToString());
        var keys = session.Run("Get-ApiKey -Account desk").ThrowOnError().Output;
        Assert.Equal(old.Text("KeyId"), Assert.Single(keys).Text("KeyId"));
        Assert.Equal("Enabled", keys[0].Text("Status"));
        Assert.Equal("RolledBack", session.Run("(Get-ApiKeyRotation)[0].State").Single().ToString());
        var works = session.Run("& ([scriptblock]::Create($args[0])) ([pscredential]::new((Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-a).Value.UserName, (Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-a).Value.Password))", Works).Single();
        Assert.True((bool)works.BaseObject);
    }

    [Fact]
    public void InvokeApiKeyRotation_WhatIf_ShowsThePlanAndChangesNothing()
    {
        using var session = VaultSession(out var desk);
        session.Run("New-ApiKey -Account desk -Name bot-a -IpAddress 203.0.113.7 -Vault Prod -Code $args[0]", desk.NextCode()).ThrowOnError();
        var before = StoreSnapshot.Take(session);

        var result = session.Run("Get-ApiKey -Account desk | Invoke-ApiKeyRotation -WhatIf").ThrowOnError();

        Assert.Equal(before, StoreSnapshot.Take(session));
        Assert.Empty(session.Run("Get-ApiKeyRotation").ThrowOnError().Output);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void InvokeApiKeyRotation_OfAFullAccount_SaysWhatToFreeBeforeChangingAnything()
    {
        using var session = VaultSession(out var desk);
        session.Run("""
            'bot-a','bot-b','bot-c','bot-d','bot-e' | ForEach-Object { [pscustomobject]@{ Account = 'desk'; Name = $_ } } |
                New-ApiKey -IpAddress 203.0.113.7 -Vault Prod -Code $args[0] | Out-Null
            """, desk.NextCode()).ThrowOnError();

        var result = session.Run("Get-ApiKey -Account desk -Name bot-a | Invoke-ApiKeyRotation -Code $args[0] -Confirm:$false", desk.NextCode());

        Assert.StartsWith("KeyAdmin.KeyLimitReached,", result.ErrorId(), StringComparison.Ordinal);
        Assert.Contains("Remove-ApiKey", result.Errors.Single().Exception.Message, StringComparison.Ordinal);
        Assert.Empty(session.Run("Get-ApiKeyRotation").ThrowOnError().Output);
        Assert.Equal(5, session.Run("Get-ApiKey -Account desk").ThrowOnError().Output.Count);
    }

    [Fact]
    public void InvokeApiKeyRotation_WithGracePeriod_LeavesTheOldKeyWorkingUntilItExpires()
    {
        using var session = VaultSession(out var desk);
        var old = session.Run("New-ApiKey -Account desk -Name bot-a -IpAddress 203.0.113.7 -Vault Prod -Code $args[0]", desk.NextCode()).Single();

        session.Run("Invoke-ApiKeyRotation -KeyId $args[1] -GracePeriod '01:00:00' -Code $args[0] -Confirm:$false", desk.NextCode(), old.Text("KeyId")).ThrowOnError();

        var retired = session.Run("Get-ApiKey -KeyId $args[0]", old.Text("KeyId")).Single();
        Assert.Equal("Enabled", retired.Text("Status"));
        var expires = (DateTimeOffset)retired.Property("ExpiresAt")!;
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public void InvokeApiKeyRotation_WithRemoveOld_DeletesTheOldKey()
    {
        using var session = VaultSession(out var desk);
        var old = session.Run("New-ApiKey -Account desk -Name bot-a -IpAddress 203.0.113.7 -Vault Prod -Code $args[0]", desk.NextCode()).Single();

        session.Run("Invoke-ApiKeyRotation -KeyId $args[1] -RemoveOld -Code $args[0] -Confirm:$false", desk.NextCode(), old.Text("KeyId")).ThrowOnError();

        Assert.Equal("Deleted", session.Run("(Get-ApiKey -KeyId $args[0]).Status", old.Text("KeyId")).Single().ToString());
        Assert.Single(session.Run("Get-ApiKey -Account desk").ThrowOnError().Output);
    }

    [Fact]
    public void ConnectKeyAdminStore_WithKeyVault_KeepsTheKeyEncryptionKeyInTheVaultAndNoFileBesideTheStore()
    {
        using var session = new ModuleSession(connect: false);
        session.Run("Import-Module $args[0]; Register-TestVault -Name Team", ModulePaths.SecretManagementStandIn).ThrowOnError();
        var store = Path.Combine(session.Directory, "team", "keyadmin.db");
        var other = Path.Combine(session.Directory, "other", "keyadmin.db");

        var info = session.Run("Connect-KeyAdminStore -Path $args[0] -KeyVault Team -PassThru", store).Single();
        session.Run("New-KeyAdminAccount -Name desk -Email desk@example.com | Out-Null").ThrowOnError();
        session.Run("Connect-KeyAdminStore -Path $args[0]; Connect-KeyAdminStore -Path $args[1] -KeyVault Team", other, store).ThrowOnError();
        var accounts = session.Run("Get-KeyAdminAccount").ThrowOnError().Output;

        Assert.Equal("vault 'Team' entry 'keyadmin-kek'", info.Text("KeyEncryptionKey"));
        Assert.False(File.Exists(store + ".kek"));
        Assert.Equal("keyadmin-kek", session.Run("(Get-TestVaultEntry -Vault Team).Name").Single().ToString());
        Assert.Equal("desk", Assert.Single(accounts).Text("Name"));
    }

    [Fact]
    public void ConnectKeyAdminStore_WithKeyVault_WhoseEntryIsGone_RefusesWithKeyEncryptionKeyMissing()
    {
        using var session = new ModuleSession(connect: false);
        session.Run("Import-Module $args[0]; Register-TestVault -Name Team", ModulePaths.SecretManagementStandIn).ThrowOnError();
        var store = Path.Combine(session.Directory, "team", "keyadmin.db");
        session.Run("Connect-KeyAdminStore -Path $args[0] -KeyVault Team", store).ThrowOnError();
        session.Run("Connect-KeyAdminStore -Path $args[0]; Microsoft.PowerShell.SecretManagement\\Remove-Secret -Name keyadmin-kek -Vault Team", Path.Combine(session.Directory, "x.db")).ThrowOnError();

        var result = session.Run("Connect-KeyAdminStore -Path $args[0] -KeyVault Team", store);

        Assert.StartsWith("KeyAdmin.KeyEncryptionKeyMissing,", result.ErrorId(), StringComparison.Ordinal);
    }

    private static ModuleSession VaultSession(out AccountHandle desk) => ModuleSession.WithTestVault(out desk);
}
