#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Help that is true: every example of the cmdlet help (src/KeyAdmin/Help/*.md) and every PowerShell block of the
# README walkthrough runs here, as written, in this real pwsh, against a throw-away store. Only what a throw-away
# store cannot hold is changed, the same way for every example:
# - the placeholder codes (123456 …) become the current code of the account's authenticator (or the store
#   administrator's, for -StoreAdministrator and Set-KeyAdminPolicy), computed from its enrolment as the phone would
#   show it (an enrolment the example keeps, $e, $enrolment or $administrator, for its own account), and a
#   placeholder recovery code (7k3qd-x9m2a) becomes one of that person's unused recovery codes;
# - a key id or path that stands for the reader's own (kak_… , /srv/keyadmin, /secure) becomes the store's;
# - vaults (Prod, JobVault, Team, Ops) are registered (the stand-in, or SecretStore where it is installed), and
#   https://api.example.com is played by a function that verifies each request with Test-ApiKey, as a service does,
#   and a passphrase the example asks the reader to type (Read-Host) is typed.
# An example that cannot run against a throw-away store is listed below with the reason, and reported as skipped.

BeforeDiscovery {
    # What a throw-away store cannot give, by the example's title (cmdlet: title) or, for the README, its first line.
    $notRunnable = @{
        'Connect-KeyAdminStore: Connect to the team''s PostgreSQL store with a connection string from a vault' = 'needs a PostgreSQL server (TeamStoreTests and KeyAdmin.Postgres.Tests cover the team store)'
        'Connect-KeyAdminStore: A team store whose key-encryption key is in the team''s vault'                  = 'needs a PostgreSQL server (TeamStoreTests and KeyAdmin.Postgres.Tests cover the team store)'
        'Resume-ApiKeyRotation: Complete an interrupted rotation'                                               = 'needs a rotation that a crash left behind (RotationCrashTests and KeyAdmin.Rotation.Tests cover Resume)'
        'Test-ApiKey: A withdrawal of an account that requires a code'                                          = 'continues Example 1 with a withdrawal of a Withdraw key (VerificationCmdletTests cover withdrawal codes)'
    }
    $readmeNotRunnable = @{
        '^Import-Module ./out/KeyAdmin +# this session only'  = 'installs the module into your module folder'
        '^Register-PSResourceRepository'                      = 'publishes to a team repository (ModulePublishingTests cover the folder Publish-PSResource packs)'
        '^Set-Secret -Name keyadmin-pg'                       = 'needs a PostgreSQL server and its connection string in a vault'
    }
    $script:examples = @()
    $script:headings = 0
    foreach ($file in Get-ChildItem (Join-Path $PSScriptRoot '..' 'src' 'KeyAdmin' 'Help') -Filter '*-*.md') {
        $text = Get-Content -Raw -LiteralPath $file.FullName
        $script:headings += [regex]::Matches($text, '(?m)^### Example ').Count
        foreach ($match in [regex]::Matches($text, '(?s)### Example \d+: ([^\n]*)\n```powershell\n(.*?)```')) {
            $name = "$($file.BaseName): $($match.Groups[1].Value.Trim())"
            $script:examples += @{ Name = $name; Code = $match.Groups[2].Value; Reason = $notRunnable[$name] }
        }
    }
    # The README's blocks run in order, as one walkthrough in one store.
    $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '..' 'README.md')
    $number = 0
    $script:walkthrough = @(foreach ($match in [regex]::Matches($readme, '(?s)```powershell\n(.*?)```')) {
        $number++
        $code = $match.Groups[1].Value
        $reason = $readmeNotRunnable.Keys | Where-Object { $code -match $_ } | ForEach-Object { $readmeNotRunnable[$_] } | Select-Object -First 1
        @{ Name = "README block $number"; Code = $code; Reason = $reason }
    })
    $script:walkthroughData = @(@{ Blocks = $walkthrough })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:work = New-TestFolder 'keyadmin-examples'
    $script:vaults = 'Prod', 'JobVault', 'Team', 'Ops', 'Handover', 'Safe'
    foreach ($vault in $vaults) { New-TestVault -Name $vault }

    # Stores made once and copied for each example: 'empty'; 'pending' (desk and the store administrator enrolled,
    # not confirmed); 'account' (the store administrator and desk, confirmed); 'full' (what the README walkthrough
    # leaves: the store administrator, desk (limit 10) with bot-a delivered to Prod, bot-kc (a passphrase) too, bot-c
    # whose secret the session holds as $key, bot-old disabled, legacy-bot never delivered, the rotation-job
    # authenticator with its seed in JobVault, and partner-acme with a key); and two made from 'full' at the end:
    # 'suspended' (desk's phone replaced with a recovery code, so rotation-job waits for a person) and 'cooling'
    # (resets of desk's and the store administrator's authenticators cooling off, their old phones still known).
    $script:templates = @{}
    function script:Save-Template([string] $Name, [string] $From = $TestFolder) {
        $folder = Join-Path $work "template-$Name"
        $null = New-Item -ItemType Directory -Path $folder -Force
        Connect-KeyAdminStore -Path (Join-Path $folder 'x.db') -WarningAction SilentlyContinue   # let go of the store's files
        Copy-Item -Path (Join-Path $From 'keyadmin.db*') -Destination $folder
        $templates[$Name] = @{ Folder = $folder; Seeds = $Seeds.Clone(); LastSteps = $LastSteps.Clone(); RecoveryCodes = $RecoveryCodes.Clone()
            Vault = @(foreach ($vault in $vaults) { foreach ($info in @(Get-SecretInfo -Vault $vault)) {
                @{ Vault = $vault; Name = $info.Name; Secret = (Get-Secret -Name $info.Name -Vault $vault); Metadata = $info.Metadata } } }) }
    }
    function script:Clear-Vaults {
        foreach ($vault in $vaults) { foreach ($info in @(Get-SecretInfo -Vault $vault)) { Remove-Secret -Name $info.Name -Vault $vault } }
    }

    Initialize-TestStore
    Save-Template empty
    Initialize-TestStore
    $Seeds['(store)'] = (New-KeyAdminStoreAdministrator -Email security@example.com).Secret
    $Seeds['desk'] = (New-KeyAdminAccount -Name desk -Email desk@example.com).Secret
    $LastSteps['(store)'] = 0; $LastSteps['desk'] = 0
    Save-Template pending
    Initialize-TestStore
    $null = New-TestStoreAdministrator
    $null = New-TestAccount desk
    Save-Template account
    Initialize-TestStore
    $null = New-TestStoreAdministrator
    $null = New-TestAccount desk
    $null = New-TestAccount partner-acme
    $null = New-ApiKey -Account desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7 -Memo 'Bot Trading – Server A' -ExpiresIn 90 -Vault Prod -Code (Get-Code desk)
    $fullKeys = @(
        [pscustomobject]@{ Account = 'desk'; Name = 'bot-c'; Permission = 'Trade'; IpAddress = '203.0.113.7' }
        [pscustomobject]@{ Account = 'desk'; Name = 'bot-old'; Permission = 'Read'; IpAddress = '203.0.113.7' }
        [pscustomobject]@{ Account = 'desk'; Name = 'legacy-bot'; Permission = 'Read'; IpAddress = '203.0.113.7' }
    ) | New-ApiKey -Code (Get-Code desk) -WarningAction SilentlyContinue
    $script:fullKey = $fullKeys | Where-Object Name -eq 'bot-c'
    $script:botA = (Get-ApiKey -Account desk -Name bot-a).KeyId
    Disable-ApiKey -Account desk -Name bot-old
    $null = New-ApiKey -Account desk -Name bot-kc -Permission Trade -IpAddress 203.0.113.7 -Passphrase (ConvertTo-SecureString 'Desk-Pass-2030' -AsPlainText) -Vault Prod -Code (Get-Code desk)
    $null = Set-KeyAdminAccount -Name desk -KeyLimit 10 -Code (Get-Code desk)
    $job = Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code (Get-Code desk) -WarningAction SilentlyContinue
    Set-Secret -Name keyadmin-desk-rotation-job -Vault JobVault -Secret $job.Secret
    $null = New-ApiKey -Account partner-acme -Name acme-bot -IpAddress 203.0.113.50 -Code (Get-Code partner-acme) -WarningAction SilentlyContinue
    Save-Template full

    # https://api.example.com, as a service that verifies with KeyAdmin would answer: 200 or an HTTP error.
    $script:fakeApi = @'
function Invoke-RestMethod {
    param([Parameter(Position = 0)] [uri] $Uri, [string] $Method = 'GET', [hashtable] $Headers, [string] $Body = '', [string] $ContentType, [int] $TimeoutSec)
    $verdict = if ($Headers['KC-API-KEY']) {
        Test-ApiKey -Scheme KuCoin -KeyId $Headers['KC-API-KEY'] -Timestamp $Headers['KC-API-TIMESTAMP'] -Signature $Headers['KC-API-SIGN'] -Passphrase $Headers['KC-API-PASSPHRASE'] -KeyVersion $Headers['KC-API-KEY-VERSION'] -Method $Method.ToUpperInvariant() -Path $Uri.PathAndQuery -Body $Body -IpAddress 203.0.113.7
    }
    else {
        Test-ApiKey -KeyId $Headers['KA-API-KEY'] -Timestamp $Headers['KA-API-TIMESTAMP'] -Signature $Headers['KA-API-SIGN'] -Method $Method.ToUpperInvariant() -Path $Uri.PathAndQuery -Body $Body -IpAddress 203.0.113.7
    }
    if (-not $verdict.Accepted) { throw "401 Unauthorized from $($Uri.Host): $($verdict.Reason)" }
    [pscustomobject]@{ code = '200000'; data = @{} }
}
function Test-MyApi([pscredential] $Credential) { (Test-ApiKey -Credential $Credential).Accepted }
# The person at the keyboard types a passphrase when asked.
function Read-Host([string] $Prompt, [switch] $AsSecureString) { if ($AsSecureString) { ConvertTo-SecureString 'Typed-Pass-2030' -AsPlainText } else { 'yes' } }
'@

    # Which store an example needs: one where what it creates does not exist yet.
    function script:Get-TemplateFor([string] $Code) {
        if ($Code -match 'New-KeyAdminAccount -Name|New-KeyAdminStoreAdministrator') { return 'empty' }
        if ($Code -match 'Stop-KeyAdminAuthenticatorReset') { return 'cooling' }
        if ($Code -match '^Confirm-KeyAdminAuthenticator [^\n]*-Name rotation-job') { return 'suspended' }
        if ($Code -match '^Confirm-KeyAdminAuthenticator') { return 'pending' }
        if ($Code -match '(?<![A-Za-z])Register-KeyAdminAuthenticator .*-Name rotation-job' -or $Code -match 'New-ApiKey [^\n]*-Name bot-(a|kc)\b') { return 'account' }
        'full'
    }

    # The example as it runs here: placeholders replaced as the header of this file says.
    function script:ConvertTo-Runnable([string] $Code) {
        $lines = foreach ($line in $Code -split "`n") {
            $account = if ($line -match '-StoreAdministrator\b|Set-KeyAdminPolicy\b') { '(store)' } elseif ($line -match '-Account (\S+)') { $Matches[1] } elseif ($line -match 'KeyAdminAccount -Name (\S+)') { $Matches[1] } elseif ($line -match 'partner-acme') { 'partner-acme' } else { 'desk' }
            if ($line -match '^\s*Confirm-KeyAdminAuthenticator') {
                $line = $line -replace '(-Code|desk) \d{6}\b', "`$1 (Get-PendingCode '$account')"
            }
            # -WhatIf never checks a code: leave the phone's next code for a command that spends it.
            $line = if ($line -match '-WhatIf\b') { $line } else { $line -replace '-Code \d{6}\b', "-Code (Get-ExampleCode '$account')" }
            $line = $line -replace '-RecoveryCode [0-9a-z]{5}-[0-9a-z]{5}\b', "-RecoveryCode (Get-ExampleRecoveryCode '$account')"
            $line = $line -replace 'kak_[0-9A-Za-z]{28}', $botA
            $line = $line -replace '/srv/keyadmin/', ($work + '/srv/') -replace '/secure/', ($work + '/secure/')
            $line = $line -replace '\./out/KeyAdmin\b', $ModuleManifest
            if ($line -notmatch '^\s*(Install-Module|Register-SecretVault) ') { $line }
        }
        $lines -join "`n"
    }

    # The enrolment of an account (or of '(store)') that the example, or an earlier block of the walkthrough, kept
    # in $e, $enrolment or $administrator: found by dynamic scope, from the example that calls the phone.
    function script:Get-KeptEnrolment([string] $Account) {
        @((Get-Variable -Name e, enrolment, administrator -ValueOnly -ErrorAction Ignore) | Where-Object { $_.Account -eq $Account -and $_.Secret }) | Select-Object -Last 1
    }

    # The phone: the account's seed from the store's template, or from the enrolment the example kept. Codes come
    # in order, each accepted once.
    function script:Get-ExampleCode([string] $Account) {
        if (-not $Seeds[$Account]) {
            $kept = Get-KeptEnrolment $Account
            if (-not $kept) { throw "No authenticator seed for account '$Account'." }
            $script:Seeds[$Account] = $kept.Secret
            $script:LastSteps[$Account] = 0
        }
        Get-Code $Account
    }

    # A code of the enrolment being confirmed: the one the example kept (a new account's, or a reset's new phone),
    # which replaces what the phone knew; without one, the pending enrolment of the store's template.
    function script:Get-PendingCode([string] $Account) {
        $kept = Get-KeptEnrolment $Account
        if ($kept -and -not [object]::ReferenceEquals($Seeds[$Account], $kept.Secret)) { $script:Seeds.Remove($Account) }
        Get-ExampleCode $Account
    }

    # The next unused recovery code the person wrote down: from the store's template, or from the enrolment the
    # example kept.
    function script:Get-ExampleRecoveryCode([string] $Account) {
        if (-not $RecoveryCodes[$Account]) {
            $kept = @((Get-Variable -Name e, enrolment, administrator -ValueOnly -ErrorAction Ignore) | Where-Object { $_.Account -eq $Account -and $_.RecoveryCodes.Count -gt 0 }) | Select-Object -Last 1
            if (-not $kept) { throw "No recovery code of account '$Account'." }
            $script:RecoveryCodes[$Account] = @($kept.RecoveryCodes)
        }
        Get-RecoveryCode $Account
    }

    # Copies the template into a fresh folder, connects to it and restores the vaults; returns what the example sees.
    function script:Initialize-Example([string] $Template) {
        $t = $templates[$Template]
        $script:exampleFolder = New-TestFolder 'keyadmin-example'
        Copy-Item -Path (Join-Path $t.Folder 'keyadmin.db*') -Destination $exampleFolder
        Connect-KeyAdminStore -Path (Join-Path $exampleFolder 'keyadmin.db')
        $script:Seeds = $t.Seeds.Clone(); $script:LastSteps = $t.LastSteps.Clone(); $script:RecoveryCodes = $t.RecoveryCodes.Clone()
        Clear-Vaults
        foreach ($entry in $t.Vault) { Set-Secret -Name $entry.Name -Vault $entry.Vault -Secret $entry.Secret -Metadata ([hashtable]$entry.Metadata) }
        # The reader's own folders, empty for each example: a store an earlier example created there is not this one's.
        Remove-Item -LiteralPath (Join-Path $work 'srv'), (Join-Path $work 'secure') -Recurse -Force -ErrorAction Ignore
        $null = New-Item -ItemType Directory -Path (Join-Path $work 'srv'), (Join-Path $work 'secure') -Force
        Set-Content -Path (Join-Path $exampleFolder 'keys.csv') -Value "Account,Name,Permission,IpAddress`ndesk,csv-bot,Trade,203.0.113.7"
        Set-Content -Path (Join-Path $exampleFolder 'accounts.csv') -Value "Name,Email`nops,ops@example.com"
    }

    # Runs an example as a script file of its own (an `exit` in it ends only it), in the example's folder, with
    # the fake API and the variables the help assumes ($key, $credential, $json), answering Yes to confirmations as
    # the person at the prompt would. Returns every error it wrote or threw.
    # The example's text as a script block of this file (so that it finds the phone's codes), with the fake API, the
    # variables the help assumes ($key, $credential, $json) and Yes to every confirmation, as the person at the
    # prompt would answer.
    # -Walkthrough: no parameters, so that a dot-sourced block keeps the $key and $credential of the blocks before it.
    function script:New-Example([string] $Code, [switch] $Walkthrough) {
        [scriptblock]::Create(@"
$(if (-not $Walkthrough) { 'param($key, $credential)' })
`$ConfirmPreference = 'None'
`$json = '{"symbol":"BTC-USDT","side":"buy","size":"0.01"}'
$fakeApi
$(ConvertTo-Runnable $Code)
"@)
    }

    # A fresh proxy log for Test-ApiKey's example: the timestamps must be within the verifier's window.
    function script:Write-ProxyLog {
        $signed = New-ApiKeySignature -Credential $exampleCredential -Method GET -Path '/api/v1/accounts'
        [pscustomobject]@{ KeyId = $signed['KA-API-KEY']; Timestamp = $signed['KA-API-TIMESTAMP']; Signature = $signed['KA-API-SIGN']; Method = 'GET'; Path = '/api/v1/accounts'; RemoteAddress = '203.0.113.7' } |
            Export-Csv -Path (Join-Path $exampleFolder 'proxy-requests.csv') -NoTypeInformation
    }

    $script:exampleKey = [pscustomobject]@{ KeyId = $fullKey.KeyId; Secret = $fullKey.Secret }
    $script:exampleCredential = [pscredential]::new($fullKey.KeyId, $fullKey.Secret)

    # From 'full': desk's phone replaced with a recovery code and the new one confirmed (rotation-job suspended).
    Initialize-Example full
    $replaced = Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost' -RecoveryCode (Get-RecoveryCode desk) -Force
    $Seeds['desk'] = $replaced.Secret; $LastSteps['desk'] = 0
    Confirm-KeyAdminAuthenticator -Account desk -Code (Get-Code desk)
    Save-Template suspended -From $exampleFolder
    # From 'full': resets of desk and of the store administrator cooling off; the old phones (the seeds) cancel them.
    Initialize-Example full
    $null = Reset-KeyAdminAuthenticator -Account desk -Reason 'claimed lost' -Force
    $null = Reset-KeyAdminAuthenticator -StoreAdministrator -Reason 'claimed lost' -Force
    Save-Template cooling -From $exampleFolder
}

AfterAll {
    foreach ($vault in $vaults) { Remove-TestVault -Name $vault }
    Remove-TestStore
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Cmdlet help examples' {
    It 'finds every example of the help (<Count> of <Headings>)' -ForEach @(@{ Count = $examples.Count; Headings = $headings }) {
        $Count | Should -Be $Headings -Because 'each "### Example" heading must be followed by its ```powershell block'
    }

    It '<Name> runs as written' -ForEach $examples {
        if ($Reason) { Set-ItResult -Skipped -Because $Reason; return }
        Initialize-Example (Get-TemplateFor $Code)
        Write-ProxyLog
        $storeVariable = $env:KEYADMIN_STORE
        Push-Location $exampleFolder
        try {
            $errors = @(try { & (New-Example $Code) -key $exampleKey -credential $exampleCredential 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
        }
        finally {
            Pop-Location
            $env:KEYADMIN_STORE = $storeVariable
        }

        $errors | ForEach-Object { "$_" } | Should -BeNullOrEmpty -Because "the example is:`n$(ConvertTo-Runnable $Code)"
    }
}

Describe 'The README walkthrough' {
    It 'runs block by block as written, each after the ones before it, in one session and one store' -ForEach $walkthroughData {
        Initialize-Example empty
        $ran = 0
        Push-Location $exampleFolder
        try {
            foreach ($block in $Blocks) {
                if ($block.Reason) { Write-Host "$($block.Name) not run: $($block.Reason)"; continue }
                Write-ProxyLog
                # Dot-sourced, so that what a block defines ($e, $key, $test …) is there for the next, as in a session.
                $errors = @(try { . (New-Example $block.Code -Walkthrough) 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
                $errors | ForEach-Object { "$_" } | Should -BeNullOrEmpty -Because "$($block.Name) is:`n$(ConvertTo-Runnable $block.Code)"
                $ran++
            }
        }
        finally {
            Pop-Location
        }
        $ran | Should -BeGreaterThan 10
    }
}
