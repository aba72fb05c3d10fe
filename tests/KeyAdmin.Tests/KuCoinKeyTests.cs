using System.Collections;
using System.Security;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Keys with KuCoin's passphrase, as an administrator makes and rotates them: -Passphrase, the vault entry that
/// holds all three credentials, New-ApiKeySignature -Scheme KuCoin, Test-ApiKey -Scheme KuCoin, and a passphrase
/// that never shows again in any stream.
/// </summary>
public sealed class KuCoinKeyTests
{
    private const string Passphrase = "Desk-Pass-77";
    private const string NewPassphrase = "Desk-Pass-88";

    // The successor's credential from the vault entry, signed with KuCoin's headers and verified as a service would.
    private const string Works = """
        param($credential, $passphrase)
        $headers = New-ApiKeySignature -Credential $credential -Passphrase $passphrase -Method GET -Path '/api/v1/accounts'
        (Test-ApiKey -Scheme KuCoin -KeyId $headers['KC-API-KEY'] -Timestamp $headers['KC-API-TIMESTAMP'] -Signature $headers['KC-API-SIGN'] -Passphrase $headers['KC-API-PASSPHRASE'] -KeyVersion $headers['KC-API-KEY-VERSION'] -Method GET -Path '/api/v1/accounts' -IpAddress 203.0.113.7).Accepted
        """;

    [Fact]
    public void NewApiKey_WithPassphraseAndVault_DeliversKeyIdSecretAndPassphraseInOneEntry_AndNeverShowsThePassphrase()
    {
        using var session = VaultSession(out var desk);
        var leaks = new LeakScanner();
        leaks.Watch("passphrase", Passphrase);

        var key = leaks.Run(session, "New-ApiKey -Account desk -Name bot-kc -Permission Trade -IpAddress 203.0.113.7 -Passphrase ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -Vault Prod -Code $args[0] -Verbose", desk.NextCode(), Passphrase).Single();

        Assert.Equal(true, key.Property("HasPassphrase"));
        Assert.Equal(new[] { 2, 3 }, (int[])key.Property("KeyVersions")!);
        var entry = (Hashtable)session.Run("(Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-kc).Value").Single().BaseObject;
        Assert.Equal(key.Text("KeyId"), entry["KeyId"]);
        Assert.StartsWith("kas_", Secure.ToPlain((SecureString)entry["Secret"]!), StringComparison.Ordinal);
        Assert.Equal(Passphrase, Secure.ToPlain((SecureString)entry["Passphrase"]!));
        var plain = (Hashtable)session.Run("Microsoft.PowerShell.SecretManagement\\Get-Secret -Name keyadmin-desk-bot-kc -Vault Prod -AsPlainText").Single().BaseObject;
        Assert.Equal(Passphrase, plain["Passphrase"]);
        // Every property of every listed key and audit record (the scanner walks them).
        Assert.NotEmpty(leaks.Run(session, "Get-ApiKey -Account desk; Get-ApiKeyAuditLog").ThrowOnError().Output);
    }

    [Fact]
    public void NewApiKeySignature_FromTheVaultEntry_SignsWithKuCoinsFiveHeaders_WhichTestApiKeyAccepts()
    {
        using var session = VaultSession(out var desk);
        session.Run("New-ApiKey -Account desk -Name bot-kc -IpAddress 203.0.113.7 -Passphrase ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -Vault Prod -Code $args[0]", desk.NextCode(), Passphrase).ThrowOnError();

        var script = """
            $headers = Microsoft.PowerShell.SecretManagement\Get-Secret -Name keyadmin-desk-bot-kc -Vault Prod | New-ApiKeySignature -Method GET -Path '/api/v1/accounts?type=trade'
            $names = [string[]]@($headers.Keys); [Array]::Sort($names); $names -join ','
            $headers['KC-API-KEY-VERSION']
            (Test-ApiKey -Scheme KuCoin -KeyId $headers['KC-API-KEY'] -Timestamp $headers['KC-API-TIMESTAMP'] -Signature $headers['KC-API-SIGN'] -Passphrase $headers['KC-API-PASSPHRASE'] -KeyVersion $headers['KC-API-KEY-VERSION'] -Method GET -Path '/api/v1/accounts?type=trade' -IpAddress 203.0.113.7).Reason
            (Test-ApiKey -Scheme KuCoin -KeyId $headers['KC-API-KEY'] -Timestamp $headers['KC-API-TIMESTAMP'] -Signature $headers['KC-API-SIGN'] -Passphrase 'wrong-passphrase' -KeyVersion 1 -Method GET -Path '/api/v1/accounts?type=trade' -IpAddress 203.0.113.7) | ForEach-Object { "$($_.Reason) $($_.KuCoinCode)" }
            (Test-ApiKey -KeyId $headers['KC-API-KEY'] -Timestamp $headers['KC-API-TIMESTAMP'] -Signature $headers['KC-API-SIGN'] -Method GET -Path '/api/v1/accounts?type=trade' -IpAddress 203.0.113.7).Reason
            """;
        var lines = session.Run(script).ThrowOnError().Output.Select(o => o.ToString()).ToList();

        Assert.Equal("KC-API-KEY,KC-API-KEY-VERSION,KC-API-PASSPHRASE,KC-API-SIGN,KC-API-TIMESTAMP", lines[0]);
        Assert.Equal("3", lines[1]);
        Assert.Equal("Accepted", lines[2]);
        Assert.Equal("KeyVersionNotAccepted 400009", lines[3]);
        Assert.Equal("BadPassphrase", lines[4]);
    }

    [Fact]
    public void NewApiKeySignature_WithoutAPassphraseForKuCoinsScheme_FailsWithPassphraseRequired()
    {
        using var session = new ModuleSession();

        var result = session.Run("New-ApiKeySignature -Credential ([pscredential]::new('kak_x', ([System.Net.NetworkCredential]::new('', 'kas_x').SecurePassword))) -Scheme KuCoin -Method GET -Path /");

        Assert.StartsWith("KeyAdmin.PassphraseRequired,", result.ErrorId(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space")]
    [InlineData("0123456789012345678901234567890123")]
    public void NewApiKey_WithAPassphraseThatBreaksTheRules_FailsWithInvalidPassphrase_WithoutRepeatingIt(string passphrase)
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var result = session.Run("New-ApiKey -Account desk -Name bot-kc -Passphrase ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -Code $args[0]", desk.NextCode(), passphrase);

        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.InvalidPassphrase,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.DoesNotContain(passphrase, error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(session.Run("Get-ApiKey -Account desk").ThrowOnError().Output);
    }

    [Theory]
    [InlineData(null, "Desk-Pass-77")]
    [InlineData("Desk-Pass-88", "Desk-Pass-88")]
    public void InvokeApiKeyRotation_KeepsOrRenewsThePassphrase_AndTheEntryHoldsAWorkingTriple(string? renewed, string expected)
    {
        using var session = VaultSession(out var desk);
        var old = session.Run("New-ApiKey -Account desk -Name bot-kc -Permission Trade -IpAddress 203.0.113.7 -Passphrase ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -KeyVersion 2,3 -Vault Prod -Code $args[0]", desk.NextCode(), Passphrase).Single();
        var leaks = new LeakScanner();
        leaks.Watch("old passphrase", Passphrase);
        leaks.Watch("new passphrase", NewPassphrase);

        var outcome = leaks.Run(
            session,
            "$p = if ($args[2]) { [System.Net.NetworkCredential]::new('', $args[2]).SecurePassword }; Get-ApiKey -Account desk -Name bot-kc | Invoke-ApiKeyRotation -Passphrase $p -Test ([scriptblock]::Create($args[1])) -Code $args[0] -Confirm:$false -Verbose",
            desk.NextCode(),
            Works,
            renewed).Single();

        Assert.Equal(("Completed", old.Text("KeyId")), (outcome.Text("State"), outcome.Text("OldKeyId")));
        var entry = (Hashtable)session.Run("(Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-kc).Value").Single().BaseObject;
        Assert.Equal(outcome.Text("NewKeyId"), entry["KeyId"]);
        Assert.Equal(expected, Secure.ToPlain((SecureString)entry["Passphrase"]!));
        var successor = session.Run("Get-ApiKey -Account desk -Name bot-kc").Single();
        Assert.Equal(true, successor.Property("HasPassphrase"));
        Assert.Equal(new[] { 2, 3 }, (int[])successor.Property("KeyVersions")!);
        var works = session.Run("$e = (Get-TestVaultEntry -Vault Prod -Name keyadmin-desk-bot-kc).Value; & ([scriptblock]::Create($args[0])) ([pscredential]::new($e.KeyId, $e.Secret)) $e.Passphrase", Works).Single();
        Assert.True((bool)works.BaseObject);
    }

    [Fact]
    public void InvokeApiKeyRotation_WithPassphraseForAKeyWithoutOne_ChangesNothing()
    {
        using var session = VaultSession(out var desk);
        session.Run("New-ApiKey -Account desk -Name bot-a -IpAddress 203.0.113.7 -Vault Prod -Code $args[0]", desk.NextCode()).ThrowOnError();

        var result = session.Run("Get-ApiKey -Account desk -Name bot-a | Invoke-ApiKeyRotation -Passphrase ([System.Net.NetworkCredential]::new('', 'Desk-Pass-99').SecurePassword) -Code $args[0] -Confirm:$false", desk.NextCode());

        Assert.StartsWith("KeyAdmin.RotationNotPossible,", result.ErrorId(), StringComparison.Ordinal);
        Assert.Single(session.Run("Get-ApiKey -Account desk").ThrowOnError().Output);
        Assert.Empty(session.Run("Get-ApiKeyRotation").ThrowOnError().Output);
    }

    [Theory]
    [InlineData("010.0.0.1")]
    [InlineData("0xCB.0.113.7")]
    [InlineData("3405803783")]
    [InlineData("203.0.113")]
    public void TestApiKey_WithAnAddressInOctalHexIntegerOrShortForm_IsMalformed(string address)
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var script = """
            $key = New-ApiKey -Account desk -Name bot -Code $args[0] -WarningAction SilentlyContinue
            $headers = New-ApiKeySignature -Credential ([pscredential]::new($key.KeyId, $key.Secret)) -Method GET -Path '/api/v1/accounts'
            (Test-ApiKey -KeyId $key.KeyId -Timestamp $headers['KA-API-TIMESTAMP'] -Signature $headers['KA-API-SIGN'] -Method GET -Path '/api/v1/accounts' -IpAddress $args[1]).Reason
            (Test-ApiKey -KeyId $key.KeyId -Timestamp $headers['KA-API-TIMESTAMP'] -Signature $headers['KA-API-SIGN'] -Method GET -Path '/api/v1/accounts' -IpAddress 203.0.113.7).Reason
            """;

        var reasons = session.Run(script, desk.NextCode(), address).ThrowOnError().Output.Select(o => o.ToString());

        Assert.Equal(new[] { "Malformed", "Accepted" }, reasons);
    }

    [Fact]
    public void SetKeyAdminPolicy_MinBindingPrefix_DecidesWhetherAWideRangeBindsAWithdrawKey()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var refused = session.Run("New-ApiKey -Account desk -Name payouts -Permission Withdraw -IpAddress 10.0.0.0/8 -Code $args[0]", desk.NextCode());
        var administrator = session.NewStoreAdministrator();
        session.Run("Set-KeyAdminPolicy -MinBindingPrefixV4 8 -Code $args[0] -Confirm:$false", administrator.NextCode()).ThrowOnError();
        var created = session.Run("New-ApiKey -Account desk -Name payouts -Permission Withdraw -IpAddress 10.0.0.0/8 -Code $args[0] -WarningAction SilentlyContinue", desk.NextCode()).ThrowOnError();
        var everywhere = session.Run("New-ApiKey -Account desk -Name anywhere -Permission Withdraw -IpAddress 0.0.0.0/0 -Code $args[0]", desk.NextCode());

        Assert.StartsWith("KeyAdmin.UnboundSensitivePermission,", refused.ErrorId(), StringComparison.Ordinal);
        Assert.Equal(false, created.Single().Property("UnboundSensitiveAllowed"));
        Assert.Equal(8, session.Run("(Get-KeyAdminPolicy).MinBindingPrefixV4").Single().BaseObject);
        Assert.StartsWith("KeyAdmin.UnboundSensitivePermission,", everywhere.ErrorId(), StringComparison.Ordinal);
    }

    private static ModuleSession VaultSession(out AccountHandle desk) => ModuleSession.WithTestVault(out desk);
}
