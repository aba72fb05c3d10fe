using System.Security;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>R2: the secret is handed over once, at creation, and nothing shows it, the seed or a used code again.</summary>
public sealed class SecretHandlingTests
{
    [Fact]
    public void New_HandsOverTheSecretOnceAsASecureString_WithAWarning()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var result = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.NextCode());
        var created = result.Single();

        var secret = Secure.ToPlain(Assert.IsType<SecureString>(created.Property("Secret")));
        Assert.StartsWith("kas_", secret, StringComparison.Ordinal);
        Assert.Equal(53, secret.Length);
        var keyId = created.Text("KeyId")!;
        Assert.StartsWith("kak_", keyId, StringComparison.Ordinal);
        Assert.Contains("KeyAdmin.NewApiKeyResult", created.TypeNames);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("only once", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, warning, StringComparison.Ordinal);

        var scanner = new LeakScanner();
        scanner.Watch("API secret", secret);
        foreach (var property in created.Properties.Where(p => p.Name != "Secret"))
        {
            foreach (var text in LeakScanner.Walk(property.Value, 0))
            {
                scanner.CheckText(text, "property " + property.Name + " of the new key");
            }
        }
    }

    [Fact]
    public void New_AsPlainText_HandsOverTheSecretAsAString()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var created = session.Run("New-ApiKey -Account desk -Name bot-a -Code $args[0] -AsPlainText", desk.NextCode()).Single();

        var secret = Assert.IsType<string>(created.Property("Secret"));
        Assert.StartsWith("kas_", secret, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Trade", "Read, Trade")]
    [InlineData("Read", "Read")]
    [InlineData("Trade, Transfer", "Read, Trade, Transfer")]
    public void New_AlwaysIncludesRead(string requested, string granted)
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var created = session.Run(
            "New-ApiKey -Account desk -Name bot-a -Permission ($args[1] -split ', ') -IpAddress 203.0.113.7 -Code $args[0]",
            desk.NextCode(), requested).Single();

        Assert.Equal(granted, created.Text("Permissions"));
        Assert.Equal(granted, session.Run("Get-ApiKey -Account desk -Name bot-a").Single().Text("Permissions"));
    }

    [Fact]
    public void New_TwoKeys_GetDistinctIdsAndSecrets()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();

        var created = session.NewKeys(desk, "bot-a", "bot-b");

        Assert.NotEqual(created[0].Text("KeyId"), created[1].Text("KeyId"));
        Assert.NotEqual(Secure.ToPlain(created[0].Property("Secret")), Secure.ToPlain(created[1].Property("Secret")));
    }

    [Fact]
    public void Get_NeverCarriesTheSecret_InAnyPropertyOrView()
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var created = session.NewKeys(desk, "bot-a", "bot-b");
        var scanner = new LeakScanner();
        foreach (var key in created)
        {
            scanner.Watch("API secret of " + key.Text("Name"), Secure.ToPlain(key.Property("Secret")));
        }

        foreach (var script in new[] { "Get-ApiKey", "Get-ApiKey -Account desk -Name bot-*", "Get-ApiKey -KeyId $args[0], $args[1]" })
        {
            var listed = scanner.Run(session, script, created[0].Text("KeyId"), created[1].Text("KeyId")).ThrowOnError();

            Assert.Equal(2, listed.Output.Count);
            Assert.All(listed.Output, k => Assert.Null(k.Properties["Secret"]));
            Assert.All(listed.Output, k => Assert.DoesNotContain("KeyAdmin.NewApiKeyResult", k.TypeNames));
        }
    }

    [Fact]
    public void NoStream_OfAnyLaterCommand_ShowsASecretTheSeedOrAUsedCode()
    {
        using var session = new ModuleSession();
        var scanner = new LeakScanner();
        var enrollment = session.Run("New-KeyAdminAccount -Name desk -Email desk@example.com").Single();
        var desk = new AccountHandle("desk", Secure.ToPlain(enrollment.Property("Secret")));
        scanner.Watch("authenticator seed", desk.Base32Seed);
        scanner.Watch("enrolment URI", Secure.ToPlain(enrollment.Property("OtpAuthUri")));
        foreach (var code in (System.Security.SecureString[])enrollment.Property("RecoveryCodes")!)
        {
            scanner.Watch("recovery code", Secure.ToPlain(code));
        }

        scanner.Run(session, "Confirm-KeyAdminAuthenticator -Account desk -Code $args[0] -Verbose", desk.NextCode()).ThrowOnError();
        var created = session.Run(
            "'bot-a', 'bot-b' | ForEach-Object { [pscustomobject]@{ Account = 'desk'; Name = $_ } } | New-ApiKey -Code $args[0] -AsPlainText",
            desk.NextCode()).ThrowOnError().Output;
        scanner.Watch("API secret of bot-a", (string)created[0].Property("Secret")!);
        scanner.Watch("API secret of bot-b", (string)created[1].Property("Secret")!);
        var job = session.Run("Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Scope CreateKey, EnableKey, RemoveKey, SetKeyBinding -Code $args[0]", desk.NextCode()).Single();
        var jobHandle = new AccountHandle("desk", Secure.ToPlain(job.Property("Secret")));
        scanner.Watch("automation seed", jobHandle.Base32Seed);
        var idA = created[0].Text("KeyId")!;

        var wrong = desk.RandomWrongCode();
        scanner.Watch("malformed code", "12ab56");
        scanner.Watch("seed that is not base32", "NOT-A-SEED-8d1f!");
        var steps = new (string Script, object?[] Args)[]
        {
            ("Get-ApiKey -Verbose; Get-KeyAdminAccount -Verbose; Get-KeyAdminAuthenticator -Account desk -IncludeRevoked -Verbose", Array.Empty<object?>()),
            ("Get-KeyAdminStore -Verbose; Get-KeyAdminPolicy -Verbose", Array.Empty<object?>()),
            ("Set-ApiKey -KeyId $args[0] -Memo 'moved' -Verbose", new object?[] { idA }),
            ("Set-ApiKey -KeyId $args[0] -AddIpAddress 203.0.113.7 -Code $args[1] -Verbose", new object?[] { idA, jobHandle.NextCode() }),
            ("Disable-ApiKey -KeyId $args[0] -Reason 'leak drill' -Confirm:$false -Verbose", new object?[] { idA }),
            ("Enable-ApiKey -KeyId $args[0] -Code $args[1] -Verbose", new object?[] { idA, wrong }),
            ("Enable-ApiKey -KeyId $args[0] -Code $args[1] -Verbose", new object?[] { idA, jobHandle.LastCode() }),
            ("Enable-ApiKey -KeyId $args[0] -Code $args[1] -Verbose", new object?[] { idA, "12ab56" }),
            ("Enable-ApiKey -KeyId $args[0] -Code $args[1] -Verbose", new object?[] { idA, jobHandle.NextCode() }),
            ("Disable-ApiKey -KeyId $args[0] -Confirm:$false; Remove-ApiKey -KeyId $args[0] -Code $args[1] -Confirm:$false -Verbose", new object?[] { idA, jobHandle.NextCode() }),
            ("Get-ApiKey -Status Deleted -Verbose; Get-ApiKey -KeyId $args[0] -Verbose", new object?[] { idA }),
            ("New-ApiKey -Account desk -Name bot-b -Code $args[0] -Verbose", new object?[] { desk.LastCode() }),
            ("Remove-ApiKey -Account desk -Name bot-b -Code $args[0] -Confirm:$false -Verbose", new object?[] { desk.LastCode() }),
            ("$args[0] | Get-KeyAdminTotpCode", new object?[] { new System.Net.NetworkCredential(string.Empty, "NOT-A-SEED-8d1f!").SecurePassword }),
        };

        foreach (var (script, args) in steps)
        {
            var result = session.Run(script, args);
            foreach (var code in desk.IssuedCodes.Concat(jobHandle.IssuedCodes))
            {
                scanner.Watch("authenticator code", code);
            }

            scanner.Check(result, script);
        }

        Assert.Equal(new[] { "bot-b" }, session.KeyNames("desk"));
    }
}
