#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The module in a real interactive pwsh, as a person uses it: a terminal under tmux, keys typed, the screen read.
# The code prompt, Ctrl+C at it, tab completion of accounts, key names and ids, and the default table at 80 and 120
# columns. The store is shared with this Pester session, which plays the person's phone. tmux is a Unix terminal
# multiplexer: on Windows (the GitHub workflow's Windows runners) these tests are skipped, and say so.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $null = New-TestAccount desk
    $script:alpha = New-ApiKey -Account desk -Name alpha-bot -Permission Trade, Withdraw -IpAddress 203.0.113.7, 198.51.100.0/24 -Memo 'Bot Trading – Server A' -ExpiresIn 90 -Code (Get-Code desk) -WarningAction SilentlyContinue
    $script:reporting = New-ApiKey -Account desk -Name reporting -Code (Get-Code desk) -WarningAction SilentlyContinue
    $script:connect = "Connect-KeyAdminStore -Path '$($StorePath.Replace("'", "''"))'"
}

AfterAll {
    Remove-TestStore
}

Describe 'An interactive pwsh in a terminal' -Skip:$IsWindows {
    BeforeAll {
        $script:terminal = Start-TestTerminal -Width 120
        $null = Invoke-TestTerminal $terminal "Import-Module '$ModuleManifest'; $connect"
    }

    AfterAll {
        Stop-TestTerminal $terminal
    }

    It 'asks for the authenticator code without echoing it, and creates the key with it' {
        Send-TestKeys $terminal 'New-ApiKey -Account desk -Name typed-bot -Permission Trade -IpAddress 203.0.113.9' -Enter
        $null = Wait-TestScreen $terminal "Authenticator code for account 'desk' \(ApiKey.Create\): ?$"
        $code = Get-Code desk
        Send-TestKeys $terminal $code -Enter
        $screen = Wait-TestScreen $terminal 'kak_[0-9A-Za-z]{28}'

        $created = Get-ApiKey -Account desk -Name typed-bot
        $screen | Should -Match ([regex]::Escape($created.KeyId))
        $screen | Should -Not -Match $code -Because 'a code typed at the prompt is not shown'
    }

    It 'stops at Ctrl+C at the code prompt: no key, no code spent, the session goes on' {
        $before = (Test-ApiKeyAuditLog).HeadSequence
        Send-TestKeys $terminal 'New-ApiKey -Account desk -Name cancelled-bot -Permission Trade -IpAddress 203.0.113.9' -Enter
        $null = Wait-TestScreen $terminal "Authenticator code for account 'desk' \(ApiKey.Create\): ?$"
        Send-TestKeys $terminal -Keys 'C-c'
        $screen = Invoke-TestTerminal $terminal "'still here'"

        $screen | Should -Match '(?m)^still here'
        $screen | Should -Not -Match 'Exception|at System\.'
        Get-ApiKey -Account desk -Name cancelled-* | Should -BeNullOrEmpty
        (Test-ApiKeyAuditLog).HeadSequence | Should -Be $before -Because 'nothing was attempted, so nothing was audited'
    }

    It 'completes <What> with Tab' -ForEach @(
        @{ What = 'an account'; Typed = 'Get-ApiKey -Account de'; Expected = 'Get-ApiKey -Account desk' }
        @{ What = 'a key name'; Typed = 'Get-ApiKey -Account desk -Name alp'; Expected = 'Get-ApiKey -Account desk -Name alpha-bot' }
        @{ What = 'a key id'; Typed = 'Disable-ApiKey -KeyId {0}'; Expected = 'Disable-ApiKey -KeyId {1}' }
    ) {
        $typed = $Typed -f $alpha.KeyId.Substring(0, 12), $alpha.KeyId
        $expected = $Expected -f $alpha.KeyId.Substring(0, 12), $alpha.KeyId
        Send-TestKeys $terminal $typed -Keys 'Tab'
        $screen = Wait-TestScreen $terminal ([regex]::Escape($expected) + '\s*$')
        Send-TestKeys $terminal -Keys 'C-c'   # leave the line unrun
        $null = Invoke-TestTerminal $terminal "''"
        $screen | Should -Match ([regex]::Escape($expected))
    }
}

Describe 'The default key table in a terminal of <Width> columns' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) -Skip:$IsWindows {
    BeforeAll {
        $script:terminal = Start-TestTerminal -Width $Width
        $null = Invoke-TestTerminal $terminal "Import-Module '$ModuleManifest'; $connect; Clear-Host"
        $script:screen = Invoke-TestTerminal $terminal 'Get-ApiKey -Account desk -Name alpha-bot, reporting'
        Write-Host "Get-ApiKey at $Width columns:`n$screen"
    }

    AfterAll {
        Stop-TestTerminal $terminal
    }

    It 'shows every key id whole, and no line wider than the terminal' {
        $screen | Should -Match ([regex]::Escape($alpha.KeyId))
        $screen | Should -Match ([regex]::Escape($reporting.KeyId))
        foreach ($line in $screen -split "`n") { $line.TrimEnd().Length | Should -BeLessOrEqual $Width }
    }

    It 'puts who, status and permissions first, the sensitive permissions before Read' {
        $screen | Should -Match 'Account/Name\s+Status\s+Permissions\s+KeyId'
        $screen | Should -Match 'desk/alpha-bot\s+Enabled\s+Withdraw,Trade,Read\s+kak_'
    }

    It 'adds the expiry (UTC, ISO 8601) and the binding at 120 columns' -Skip:($Width -lt 120) {
        $screen | Should -Match 'ExpiresAt\s+IpAddresses'
        $screen | Should -Match ([regex]::Escape($alpha.ExpiresAt.UtcDateTime.ToString('yyyy-MM-ddTHH:mm') + 'Z'))
        $screen | Should -Match 'kak_[0-9A-Za-z]{28} 2027-|\d{4}-\d\d-\d\dT\d\d:\d\dZ 203\.0\.113\.7, 198\.51'
    }
}

Describe 'A host that imports the module in many runspaces at once' {
    It 'imports it in each of 16 runspaces started together, in a new process each time (<Attempt>)' -ForEach @(1..3 | ForEach-Object { @{ Attempt = $_ } }) {
        # The first import of a process registers the private load context and the core's type names in tables that
        # are the whole process's (an engine-hosted test run once failed its first import so: two runspaces both
        # added a name). Every import must succeed, and once they have, every runspace must know the type names.
        $script = @'
param($Manifest)
$pool = [runspacefactory]::CreateRunspacePool(16, 16)
$pool.Open()
$started = foreach ($i in 1..16) {
    $shell = [powershell]::Create()
    $shell.RunspacePool = $pool
    $null = $shell.AddScript('param($m) Import-Module $m -ErrorAction Stop; "imported"').AddArgument($Manifest)
    [pscustomobject]@{ Shell = $shell; Handle = $shell.BeginInvoke() }
}
foreach ($run in $started) {
    try { $run.Shell.EndInvoke($run.Handle) } catch { 'failed: ' + $_.Exception.InnerException.Message }
}
foreach ($i in 1..16) {
    $shell = [powershell]::Create()
    $shell.RunspacePool = $pool
    $shell.AddScript('[KeyAdmin.Core.Keys.ApiKeyPermission]::Trade.ToString()').Invoke()
}
'@
        $run = Invoke-TestScript $script -Arguments @($ModuleManifest) -TimeoutSeconds 120

        $run.TimedOut | Should -BeFalse
        $run.Errors | Should -BeNullOrEmpty
        @($run.Output -split "`n" | Where-Object { $_.Trim() }) | Should -Be (@('imported') * 16 + @('Trade') * 16)
    }
}
