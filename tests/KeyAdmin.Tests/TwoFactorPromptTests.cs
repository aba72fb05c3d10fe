using System.Diagnostics;
using System.Management.Automation;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// Where the second factor comes from when -Code is missing: a prompt when somebody is at the keyboard, an
/// immediate error that names -Code when nobody is (a scheduled script must never hang).
/// </summary>
public sealed class TwoFactorPromptTests
{
    public static TheoryData<string> CodeNeedingCommands() => new()
    {
        "New-ApiKey -Account desk -Name bot-new",
        "Set-ApiKey -Account desk -Name bot-a -AddIpAddress 203.0.113.7",
        "Enable-ApiKey -Account desk -Name bot-old",
        "Remove-ApiKey -Account desk -Name bot-old -Confirm:$false",
        "Register-KeyAdminAuthenticator -Account desk -Name rotation-job",
        "New-KeyAdminRecoveryCode -Account desk -Confirm:$false",
        "Unregister-KeyAdminAuthenticator -Account desk -Name primary -Confirm:$false",
        "Remove-KeyAdminAccount -Name idle -Confirm:$false",
    };

    [Theory]
    [MemberData(nameof(CodeNeedingCommands))]
    public void WithoutCode_InTheDefaultNonInteractiveHost_FailsAtOnceNamingCode(string script)
    {
        using var session = new ModuleSession();
        var desk = session.NewConfirmedAccount();
        var keys = session.NewKeys(desk, "bot-a", "bot-old");
        session.Disable(keys[1].Text("KeyId")!);
        if (script.Contains("idle", StringComparison.Ordinal))
        {
            session.NewConfirmedAccount("idle");
        }

        var before = StoreSnapshot.Take(session);

        var clock = Stopwatch.StartNew();
        var result = session.Run(script);
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Refusing took {clock.Elapsed.TotalSeconds:0.0} s.");
        var error = result.OnlyError();
        Assert.StartsWith("KeyAdmin.TwoFactorCodeRequired,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        var advice = error.Exception.Message + " " + error.ErrorDetails?.Message + " " + error.ErrorDetails?.RecommendedAction;
        Assert.Contains("-Code", advice, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal(before, StoreSnapshot.Take(session));
    }

    [Fact]
    public void New_WithoutCode_InAnInteractiveHost_PromptsOnceAndSucceeds()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        var code = desk.NextCode();
        host.QueueSecureAnswer(code);

        var created = session.Run("New-ApiKey -Account desk -Name bot-a").Single();

        Assert.Equal("bot-a", created.Text("Name"));
        var prompt = Assert.Single(host.SecurePrompts);
        Assert.Contains("desk", prompt, StringComparison.Ordinal);
        Assert.False(host.Transcript.Contains(code, StringComparison.Ordinal), "The host echoed the code that was typed.");
    }

    [Fact]
    public void New_TwoKeysPipedWithoutCode_PromptsOnceForTheCommand()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        host.QueueSecureAnswer(desk.NextCode());

        var result = session.Run("'bot-a', 'bot-b' | ForEach-Object { [pscustomobject]@{ Account = 'desk'; Name = $_ } } | New-ApiKey").ThrowOnError();

        Assert.Equal(new[] { "bot-a", "bot-b" }, result.Output.Select(k => k.Text("Name")));
        Assert.Single(host.SecurePrompts);
    }

    [Fact]
    public void Remove_TwoKeysPipedWithoutCode_PromptsOnceForTheCommand()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "old-a", "old-b", "keep");
        session.Run("Disable-ApiKey -Account desk -Name old-* -Confirm:$false").ThrowOnError();
        host.QueueSecureAnswer(desk.NextCode());

        session.Run("Get-ApiKey -Account desk -Status Disabled | Remove-ApiKey -Confirm:$false").ThrowOnError();

        Assert.Single(host.SecurePrompts);
        Assert.Equal(new[] { "keep" }, session.KeyNames("desk"));
    }

    [Fact]
    public void NextCommand_PromptsAgain_BecauseOneCodeConfirmsOneCommand()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        host.QueueSecureAnswer(desk.NextCode());
        host.QueueSecureAnswer(desk.NextCode());

        session.Run("New-ApiKey -Account desk -Name bot-a").ThrowOnError();
        session.Run("New-ApiKey -Account desk -Name bot-b").ThrowOnError();

        Assert.Equal(2, host.SecurePrompts.Count);
        Assert.Equal(new[] { "bot-a", "bot-b" }, session.KeyNames("desk"));
    }

    [Fact]
    public void Disable_InAnInteractiveHost_DisablesWithoutAsking()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a");

        session.Run("Disable-ApiKey -Account desk -Name bot-a").ThrowOnError();

        Assert.Empty(host.ChoicePrompts);
        Assert.Equal("Disabled", session.Statuses("desk")["bot-a"]);
    }

    [Fact]
    public void Remove_InAnInteractiveHost_AsksForConfirmation_AndNoKeepsTheKey()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a");
        session.Run("Disable-ApiKey -Account desk -Name bot-a").ThrowOnError();
        host.QueueChoice("No");

        session.Run("Remove-ApiKey -Account desk -Name bot-a -Code $args[0]", desk.NextCode()).ThrowOnError();

        var question = Assert.Single(host.ChoicePrompts);
        Assert.Contains("bot-a", question, StringComparison.Ordinal);
        Assert.Equal("Disabled", session.Statuses("desk")["bot-a"]);
    }

    [Fact]
    public void Remove_WithForce_InAnInteractiveHost_DeletesWithoutAsking_AndWhatIfStillChangesNothing()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();
        session.NewKeys(desk, "bot-a", "bot-b");
        session.Run("Disable-ApiKey -Account desk -Name bot-a, bot-b").ThrowOnError();

        session.Run("Remove-ApiKey -Account desk -Name bot-b -Force -WhatIf").ThrowOnError();
        session.Run("Remove-ApiKey -Account desk -Name bot-a -Code $args[0] -Force", desk.NextCode()).ThrowOnError();

        Assert.Empty(host.ChoicePrompts);
        Assert.Equal(new[] { "bot-b" }, session.KeyNames("desk"));
    }
}
