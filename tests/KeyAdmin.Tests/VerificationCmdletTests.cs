using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>New-ApiKeySignature signs as a client does; Test-ApiKey answers as a service would.</summary>
public sealed class VerificationCmdletTests
{
    private const string Sign = """
        $key = New-ApiKey -Account desk -Name bot -Permission Read,Trade -IpAddress 203.0.113.7 -Code $args[0] -WarningAction SilentlyContinue
        $credential = [pscredential]::new($key.KeyId, $key.Secret)
        $headers = New-ApiKeySignature -Credential $credential -Method POST -Path '/api/v1/orders?symbol=BTC-USDT' -Body '{"size":1}'
        $request = [pscustomobject]@{
            KeyId = $headers['KA-API-KEY']; Timestamp = $headers['KA-API-TIMESTAMP']; Signature = $headers['KA-API-SIGN']
            Method = 'POST'; Path = '/api/v1/orders?symbol=BTC-USDT'; Body = '{"size":1}'; IpAddress = '203.0.113.7'; Permission = 'Trade'
        }
        """;

    [Fact]
    public void TestApiKey_SignedByNewApiKeySignature_IsAcceptedOnceAndThenReplayed()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var results = session.Run(Sign + "\n$request | Test-ApiKey\n$request | Test-ApiKey", desk.NextCode()).ThrowOnError().Output;

        Assert.Equal(new[] { "Accepted", "Replayed" }, results.Select(r => r.Text("Reason")));
        Assert.True((bool)results[0].Property("Accepted")!);
        Assert.Equal("desk", results[0].Text("Account"));
    }

    [Fact]
    public void TestApiKey_InAnotherSessionOnTheSameStore_RefusesARequestThisOneAcceptedAsReplayed()
    {
        using var session = new ModuleSession();
        using var other = new ModuleSession(connect: false);
        var desk = session.NewConfirmedAccount();
        other.Run("Connect-KeyAdminStore -Path $args[0]", session.StorePath).ThrowOnError();

        var request = session.Run(Sign + "\n$request", desk.NextCode()).ThrowOnError().Output.Single();
        var first = session.Run("$args[0] | Test-ApiKey", request).ThrowOnError().Output.Single();
        var second = other.Run("$args[0] | Test-ApiKey", request).ThrowOnError().Output.Single();

        Assert.Equal(("Accepted", "Replayed", "400002"), (first.Text("Reason"), second.Text("Reason"), second.Text("KuCoinCode")));
    }

    [Fact]
    public void TestApiKey_AfterDisableApiKey_RefusesTheNextRequestAsDisabled()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var script = Sign + """

            ($request | Test-ApiKey).Reason
            Disable-ApiKey -KeyId $key.KeyId -Confirm:$false
            $headers = New-ApiKeySignature -Credential $credential -Method GET -Path '/api/v1/accounts'
            (Test-ApiKey -KeyId $key.KeyId -Timestamp $headers['KA-API-TIMESTAMP'] -Signature $headers['KA-API-SIGN'] -Method GET -Path '/api/v1/accounts' -IpAddress 203.0.113.7).Reason
            """;
        var reasons = session.Run(script, desk.NextCode()).ThrowOnError().Output.Select(o => o.ToString());

        Assert.Equal(new[] { "Accepted", "Disabled" }, reasons);
    }

    [Fact]
    public void TestApiKey_FromAnotherAddressOrWithoutThePermission_SaysWhy()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var script = Sign + """

            ($request | ForEach-Object { $_.IpAddress = '198.51.100.1'; $_ } | Test-ApiKey).Reason
            $headers = New-ApiKeySignature -Credential $credential -Method POST -Path '/api/v1/withdrawals' -Body '{}'
            (Test-ApiKey -KeyId $key.KeyId -Timestamp $headers['KA-API-TIMESTAMP'] -Signature $headers['KA-API-SIGN'] -Method POST -Path '/api/v1/withdrawals' -Body '{}' -IpAddress 203.0.113.7 -Permission Withdraw).Reason
            (Test-ApiKey -KeyId $key.KeyId -Timestamp 'yesterday' -Signature 'x' -Method GET -Path '/' -IpAddress 'not-an-address').Reason
            """;
        var reasons = session.Run(script, desk.NextCode()).ThrowOnError().Output.Select(o => o.ToString());

        Assert.Equal(new[] { "AddressNotAllowed", "PermissionMissing", "Malformed" }, reasons);
    }
}
