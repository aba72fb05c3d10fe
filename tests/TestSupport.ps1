# What the Pester files share, dot-sourced in each file's BeforeAll (it is not a test file: Pester runs only
# *.Tests.ps1). Every file imports the BUILT module (out/KeyAdmin, from `dotnet build` or ./build.ps1) into a
# throw-away store of its own, so the suite never touches the administrator's data folder.

$script:ModuleFolder = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', 'out', 'KeyAdmin'))
$script:ModuleManifest = Join-Path $script:ModuleFolder 'KeyAdmin.psd1'
# The pwsh running the tests, for child processes of the same version. $PSHOME, not the process path: under the
# PowerShell .NET tool the process is `dotnet`.
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

# Runs the same pwsh as a scheduler would: no profile, no prompts (-NonInteractive, stdin closed), and returns its
# exit code, output and error output. Two minutes at most: a child that waits for input is a failure.
function script:Invoke-Pwsh([string[]] $Arguments, [hashtable] $Environment = @{}) {
    $start = [Diagnostics.ProcessStartInfo]::new($script:Pwsh)
    foreach ($argument in @('-NoProfile', '-NonInteractive') + $Arguments) {
        $start.ArgumentList.Add($argument)
    }
    foreach ($name in $Environment.Keys) {
        $start.Environment[$name] = $Environment[$name]
    }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($start)
    $process.StandardInput.Close()
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit(120000)) {
        $process.Kill($true)
        throw "pwsh $($Arguments -join ' ') did not finish within two minutes: it must never wait for input."
    }
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Errors = $stderr.Result }
}

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
    Connect-KeyAdminStore -Path $script:StorePath
    $script:Seeds = @{}
    $script:LastSteps = @{}
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

# Creates an account and confirms its authenticator, playing the phone: the seed stays in this session only.
function script:New-TestAccount([string] $Name, [string] $Email = "$Name@example.com") {
    $enrolment = New-KeyAdminAccount -Name $Name -Email $Email
    $script:Seeds[$Name] = $enrolment.Secret
    $script:LastSteps[$Name] = 0
    Confirm-KeyAdminAuthenticator -Account $Name -Code (Get-Code $Name)
    Get-KeyAdminAccount -Name $Name
}

# Enrols and confirms the store administrator, whose codes confirm Set-KeyAdminPolicy: Get-Code '(store)' hands them out.
function script:New-TestStoreAdministrator {
    $enrolment = New-KeyAdminStoreAdministrator -Email 'security@example.com'
    $script:Seeds['(store)'] = $enrolment.Secret
    $script:LastSteps['(store)'] = 0
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
