# What the Pester files share, dot-sourced in each file's BeforeAll (it is not a test file: Pester runs only
# *.Tests.ps1). Every file imports the BUILT module (out/KeyAdmin, from `dotnet build` or ./build.ps1) into a
# throw-away store of its own, so the suite never touches the administrator's data folder.

$script:ModuleFolder = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', 'out', 'KeyAdmin'))
$script:ModuleManifest = Join-Path $script:ModuleFolder 'KeyAdmin.psd1'
# The pwsh running the tests, for child processes of the same version. $PSHOME, not the process path: under the
# PowerShell .NET tool the process is `dotnet`.
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function script:New-TestFolder([string] $Prefix = 'keyadmin-pester') {
    $folder = Join-Path ([IO.Path]::GetTempPath()) ($Prefix + '-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $folder -Force
    $folder
}

# Imports the built module (once) and connects this session to a new store in a new temporary folder; the
# previous test store, if any, is deleted once the session no longer holds it open.
function script:Initialize-TestStore {
    if (-not (Get-Module KeyAdmin)) {
        if (-not (Test-Path -LiteralPath $script:ModuleManifest)) {
            throw "The module is not built: run 'dotnet build' or './build.ps1' first ($script:ModuleManifest is missing)."
        }
        Import-Module $script:ModuleManifest -Force -ErrorAction Stop
    }

    $previous = $script:TestFolder
    $script:TestFolder = New-TestFolder
    $script:StorePath = Join-Path $script:TestFolder 'keyadmin.db'
    Connect-KeyAdminStore -Path $script:StorePath -Create
    $script:Seeds = @{}
    $script:LastSteps = @{}
    $script:RecoveryCodes = @{}
    if ($previous) {
        Remove-Item -LiteralPath $previous -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# On Windows the open store of this session may refuse deletion; the temporary folder is the OS's to clean then.
function script:Remove-TestStore {
    Remove-Module KeyAdmin -Force -ErrorAction SilentlyContinue
    if ($script:TestFolder) {
        Remove-Item -LiteralPath $script:TestFolder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# Creates an account and confirms its authenticator, playing the phone: the seed (and the recovery codes, which
# Get-RecoveryCode hands out) stay in this session only.
function script:New-TestAccount([string] $Name, [string] $Email = "$Name@example.com") {
    $enrolment = New-KeyAdminAccount -Name $Name -Email $Email
    $script:Seeds[$Name] = $enrolment.Secret
    $script:LastSteps[$Name] = 0
    $script:RecoveryCodes[$Name] = @($enrolment.RecoveryCodes)
    Confirm-KeyAdminAuthenticator -Account $Name -Code (Get-Code $Name)
    Get-KeyAdminAccount -Name $Name
}

# Enrols and confirms the store administrator, whose codes confirm Set-KeyAdminPolicy: Get-Code '(store)' hands them out.
function script:New-TestStoreAdministrator {
    $enrolment = New-KeyAdminStoreAdministrator -Email 'security@example.com'
    $script:Seeds['(store)'] = $enrolment.Secret
    $script:LastSteps['(store)'] = 0
    $script:RecoveryCodes['(store)'] = @($enrolment.RecoveryCodes)
    Confirm-KeyAdminAuthenticator -StoreAdministrator -Code (Get-Code '(store)')
    $enrolment
}

# The next code of an account's authenticator, as its phone would show it. Codes are accepted once and only after
# the last accepted one, and the authority accepts the previous, current and next 30-second step: hand those out
# in order, then wait for the clock to move on. Each account has its own authenticator, so its own sequence: a
# test that needs many codes at once spreads them over several accounts (or fresh stores) instead of waiting.
function script:Get-Code([string] $Account) {
    $seed = $script:Seeds[$Account]
    if (-not $seed) { throw "No seed for account '$Account': create it with New-TestAccount." }
    while ($true) {
        $seconds = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        $now = [Math]::Floor($seconds / 30)
        # The previous step's code only while it stays valid for a few more seconds: the command still has to run.
        $earliest = [Math]::Floor(($seconds + 5) / 30) - 1
        $step = [Math]::Max($earliest, $script:LastSteps[$Account] + 1)
        if ($step -le $now + 1) {
            $script:LastSteps[$Account] = $step
            return $seed | Get-KeyAdminTotpCode -At ([DateTimeOffset]::FromUnixTimeSeconds($step * 30 + 1))
        }
        Start-Sleep -Seconds 1
    }
}

# An unused recovery code of an account (or of '(store)'), as the person wrote it down: each is handed out once.
function script:Get-RecoveryCode([string] $Account) {
    $codes = @($script:RecoveryCodes[$Account])
    if ($codes.Count -eq 0 -or $null -eq $codes[0]) { throw "No unused recovery code of '$Account' is known: create it with New-TestAccount." }
    $script:RecoveryCodes[$Account] = @($codes | Select-Object -Skip 1)
    ConvertFrom-SecureString $codes[0] -AsPlainText
}

# Everything a command could change, as text: keys (deleted ones too), accounts, authenticators, policy and the head
# of the audit chain. Every change and every refused attempt appends an audit record, so an unchanged head means
# nothing was even attempted.
function script:Get-StoreSnapshot {
    $accounts = @(Get-KeyAdminAccount)
    [pscustomobject]@{
        Keys           = @(Get-ApiKey -Status Enabled, Disabled, Expired, Deleted | Sort-Object KeyId | Select-Object * -ExcludeProperty LastUsedAt, LastUsedAddress)
        Accounts       = $accounts
        Authenticators = @($accounts | Get-KeyAdminAuthenticator -IncludeRevoked) + @(Get-KeyAdminAuthenticator -StoreAdministrator -IncludeRevoked -ErrorAction SilentlyContinue)
        Policy         = Get-KeyAdminPolicy
        AuditHead      = (Test-ApiKeyAuditLog).HeadSequence
    } | ConvertTo-Json -Depth 4
}

# The verifier writes last use and refusal counts (refusals as audit records) every two seconds, in the background:
# wait for that before taking a snapshot that must not move.
function script:Wait-VerifierFlush {
    Start-Sleep -Seconds 3
}

# A request signed with a credential and verified as the API would, from the given address.
function script:Test-Credential([pscredential] $Credential, [string] $Address = '203.0.113.7', [string] $Path = '/api/v1/accounts') {
    $h = New-ApiKeySignature -Credential $Credential -Method GET -Path $Path
    Test-ApiKey -KeyId $h['KA-API-KEY'] -Timestamp $h['KA-API-TIMESTAMP'] -Signature $h['KA-API-SIGN'] -Method GET -Path $Path -IpAddress $Address
}

# The error record a command writes or throws, as a script with -ErrorAction Stop would catch it: for checking the
# fully qualified error id, the category and the target.
function script:Get-CommandError([scriptblock] $Command) {
    $ErrorActionPreference = 'Stop'
    try {
        $null = & $Command
    }
    catch {
        return $_
    }
    throw 'The command reported no error.'
}

# Registers a vault for delivery and rotation tests: a real SecretStore vault when build.ps1 -Test found
# SecretManagement and SecretStore installed ($env:KEYADMIN_TEST_VAULT = 'SecretStore'; the SecretStore it resets is
# the sandbox HOME's), else an in-memory vault of the project's stand-in module (on the runner's module path, or
# by path when the suite runs outside build.ps1).
function script:New-TestVault([string] $Name) {
    if ($env:KEYADMIN_TEST_VAULT -eq 'SecretStore') {
        Import-Module Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore -ErrorAction Stop
        Reset-SecretStore -Authentication None -Interaction None -Force -Confirm:$false
        Register-SecretVault -Name $Name -ModuleName Microsoft.PowerShell.SecretStore
        return
    }
    if (-not (Get-Module Microsoft.PowerShell.SecretManagement)) {
        $standIn = Join-Path $PSScriptRoot 'KeyAdmin.Tests' 'Support' 'SecretManagement' 'Microsoft.PowerShell.SecretManagement' 'Microsoft.PowerShell.SecretManagement.psd1'
        Import-Module $(if ($env:KEYADMIN_TEST_VAULT -eq 'StandIn') { 'Microsoft.PowerShell.SecretManagement' } else { $standIn }) -ErrorAction Stop
    }
    Register-TestVault -Name $Name
}

function script:Remove-TestVault([string] $Name) {
    if ($env:KEYADMIN_TEST_VAULT -eq 'SecretStore' -and $Name) {
        Unregister-SecretVault -Name $Name -ErrorAction SilentlyContinue
    }
    Remove-Module Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore -Force -ErrorAction SilentlyContinue
}

# Runs a script in a new pwsh as a scheduler does: `pwsh -NoProfile -NonInteractive -File`, KeyAdmin found on
# $env:PSModulePath (the built out/ folder first), and standard input closed (fd 0 not open at all), at EOF
# (/dev/null, or cron's empty pipe) or open (a pipe that never gets a line nor closes, as some service managers
# leave it). -Script is a file, or the text of one (written to a temporary .ps1). A run that outlives -TimeoutSeconds
# is killed and reported with TimedOut: no cmdlet may wait for input that never comes.
function script:Invoke-TestScript {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string[]] $Arguments = @(),
        [ValidateSet('Closed', 'Eof', 'Open')] [string] $Stdin = 'Eof',
        [int] $TimeoutSeconds = 60,
        [hashtable] $Environment = @{}
    )
    $file = $Script
    if (-not (Test-Path -LiteralPath $Script -PathType Leaf)) {
        $file = Join-Path (New-TestFolder 'keyadmin-script') 'job.ps1'
        Set-Content -LiteralPath $file -Value $Script -Encoding utf8
    }
    $pwshArguments = @('-NoProfile', '-NonInteractive', '-File', $file) + $Arguments
    if ($Stdin -eq 'Closed' -and -not $IsWindows) {
        # exec with fd 0 closed: the process starts with no standard input at all.
        $start = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($a in @('-c', 'exec "$0" "$@" <&-', $Pwsh) + $pwshArguments) { $start.ArgumentList.Add($a) }
    }
    else {
        $start = [Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in $pwshArguments) { $start.ArgumentList.Add($a) }
    }
    $start.Environment['PSModulePath'] = [IO.Path]::GetDirectoryName($ModuleFolder) + [IO.Path]::PathSeparator + $env:PSModulePath
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = $Environment[$name] }
    $start.RedirectStandardInput = $Stdin -ne 'Closed'
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($start)
    if ($Stdin -eq 'Eof') { $process.StandardInput.Close() }
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $timedOut = -not $process.WaitForExit($TimeoutSeconds * 1000)
    if ($timedOut) { $process.Kill($true); $process.WaitForExit() }
    if ($Stdin -eq 'Open') { $process.StandardInput.Dispose() }
    [pscustomobject]@{
        ExitCode = if ($timedOut) { $null } else { $process.ExitCode }
        TimedOut = $timedOut
        Output   = $stdout.Result
        Errors   = $stderr.Result
    }
}

# A person at an interactive pwsh: a tmux session of its own (a private tmux server, never the user's), a terminal
# of -Width columns running `pwsh -NoProfile`, KeyAdmin on its module path. Keys are typed with Send-TestKeys, and
# Wait-TestScreen reads the screen as the person sees it until a pattern appears.
function script:Start-TestTerminal([int] $Width = 120, [int] $Height = 50) {
    if (-not (Get-Command tmux -ErrorAction Ignore)) { throw 'tmux is not installed (apt-get install tmux): the real-session tests need it.' }
    $terminal = [pscustomobject]@{ Socket = 'keyadmin-' + [guid]::NewGuid().ToString('N').Substring(0, 10); Name = 'pwsh'; Width = $Width }
    $modulePath = [IO.Path]::GetDirectoryName($ModuleFolder) + [IO.Path]::PathSeparator + $env:PSModulePath
    $command = "env PSModulePath='$modulePath' TERM=xterm-256color '$Pwsh' -NoProfile -NoLogo"
    & tmux -L $terminal.Socket new-session -d -s $terminal.Name -x $Width -y $Height $command
    if ($LASTEXITCODE -ne 0) { throw "tmux could not start a session ($LASTEXITCODE)." }
    & tmux -L $terminal.Socket set-option -t $terminal.Name history-limit 5000 | Out-Null
    $null = Wait-TestScreen $terminal 'PS .*> ?$'
    $terminal
}

function script:Send-TestKeys($Terminal, [string] $Text, [switch] $Enter, [string[]] $Keys = @()) {
    if ($Text) { & tmux -L $Terminal.Socket send-keys -t $Terminal.Name -l $Text }
    foreach ($key in $Keys) { & tmux -L $Terminal.Socket send-keys -t $Terminal.Name $key }
    if ($Enter) { & tmux -L $Terminal.Socket send-keys -t $Terminal.Name Enter }
}

# The screen (and its scroll-back) as text, once it matches -Pattern; throws with the screen when it does not in time.
function script:Wait-TestScreen($Terminal, [string] $Pattern, [int] $TimeoutSeconds = 60) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    do {
        $screen = (& tmux -L $Terminal.Socket capture-pane -p -t $Terminal.Name -S -5000) -join "`n"
        if ($screen -match "(?m)$Pattern") { return $screen }
        Start-Sleep -Milliseconds 200
    } while ([DateTime]::UtcNow -lt $deadline)
    throw "The terminal never showed /$Pattern/ within $TimeoutSeconds s. It shows:`n$screen"
}

# Types a command and waits until it has finished, by a marker the same line prints afterwards.
function script:Invoke-TestTerminal($Terminal, [string] $Command, [int] $TimeoutSeconds = 60) {
    $marker = 'done-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Send-TestKeys $Terminal "$Command; '$marker'" -Enter
    Wait-TestScreen $Terminal "^$marker" $TimeoutSeconds
}

function script:Stop-TestTerminal($Terminal) {
    if ($Terminal) { & tmux -L $Terminal.Socket kill-server 2>$null }
}
