#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Issue 13 in a real pwsh, for what only a real pwsh shows: a real Start-Transcript recording what KeyAdmin draws,
# ConvertTo-Json and Out-File of an enrolment, and -Debug / $WarningPreference in a `pwsh -NonInteractive -File`
# script, where a preference that stops at a message must stop New-ApiKey before the key exists. The same bypasses
# are tested engine-hosted (tests/KeyAdmin.Tests/TwoFactorBypassTests.cs) and in the core on both engines.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore

    # Runs a script in a new `pwsh -NoProfile -NonInteractive -File` against a store of its own, as a scheduled job
    # would, and returns its exit code and output. The script gets the module manifest and a folder as arguments.
    function script:Invoke-Child([string] $Script) {
        $folder = New-TestFolder 'keyadmin-pester-child'
        $file = Join-Path $folder 'child.ps1'
        Set-Content -LiteralPath $file -Value $Script -Encoding utf8
        $run = Invoke-TestScript $file -Arguments $ModuleManifest, $folder -TimeoutSeconds 120
        $run | Add-Member -NotePropertyName Folder -NotePropertyValue $folder -PassThru
    }

    # The child's result: its last line of output, JSON (before it, the host shows warnings and what KeyAdmin draws).
    function script:Read-ChildResult($Run) {
        $Run.ExitCode | Should -Be 0 -Because $Run.Errors
        ($Run.Output -split "`r?`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
    }

    # What every child script starts with: the module, a store in the folder, and desk confirmed (its seed in $seed).
    $script:Prelude = @'
param([string] $Manifest, [string] $Folder)
$ErrorActionPreference = 'Stop'
Import-Module $Manifest
Connect-KeyAdminStore -Path (Join-Path $Folder 'keyadmin.db')
function Code([securestring] $Seed, [int] $Offset) { $Seed | Get-KeyAdminTotpCode -At ([DateTimeOffset]::UtcNow.AddSeconds(30 * $Offset)) }
$seed = (New-KeyAdminAccount -Name desk -Email desk@example.com).Secret
Confirm-KeyAdminAuthenticator -Account desk -Code (Code $seed -1)

'@
}

AfterAll {
    Remove-TestStore
}

Describe 'No seed in output objects' {
    It 'exports an enrolment with ConvertTo-Json and Out-File without its seed, URI, QR code or recovery codes' {
        $enrolment = New-KeyAdminAccount -Name ops -Email ops@example.com
        $seed = ConvertFrom-SecureString $enrolment.Secret -AsPlainText
        $uri = ConvertFrom-SecureString $enrolment.OtpAuthUri -AsPlainText
        $codes = $enrolment.RecoveryCodes | ForEach-Object { ConvertFrom-SecureString $_ -AsPlainText }
        $file = Join-Path $TestFolder 'enrolment.txt'

        $json = $enrolment | ConvertTo-Json -Depth 4
        $enrolment | Out-File -LiteralPath $file
        $exports = $json + (Get-Content -LiteralPath $file -Raw)

        $enrolment.PSObject.Properties.Name | Should -Not -Contain 'QrCode'
        $codes | Should -HaveCount 10
        $exports | Should -Not -Match ([regex]::Escape($seed))
        $exports | Should -Not -Match 'otpauth://'
        $exports | Should -Not -Match '█'
        foreach ($code in $codes) { $exports | Should -Not -Match ([regex]::Escape($code)) }
        $uri | Should -Match '^otpauth://totp/'
    }

    It 'warns once per session, before anything is created, when a transcript runs, and the transcript holds nothing it draws' {
        $run = Invoke-Child ($Prelude + @'
$transcript = Join-Path $Folder 'transcript.txt'
$null = Start-Transcript -LiteralPath $transcript
$stopped = try { $null = New-KeyAdminAccount -Name early -Email early@example.com -ShowQrCode -WarningAction Stop; 'created' } catch { $_.FullyQualifiedErrorId }
$first = New-KeyAdminAccount -Name ops -Email ops@example.com -ShowQrCode -WarningVariable firstWarnings -WarningAction SilentlyContinue
$first | Format-List | Out-Host
Write-Warning ($firstWarnings -join ' ')
$second = New-KeyAdminAccount -Name ci -Email ci@example.com -ShowQrCode -WarningVariable secondWarnings -WarningAction SilentlyContinue
$null = Stop-Transcript
[pscustomobject]@{
    Stopped = $stopped
    Early = @(Get-KeyAdminAccount -Name early -ErrorAction SilentlyContinue).Count
    First = @($firstWarnings | ForEach-Object { "$_" })
    Second = @($secondWarnings).Count
    Transcript = $transcript
    Seed = ConvertFrom-SecureString $first.Secret -AsPlainText
    Codes = @($first.RecoveryCodes | ForEach-Object { ConvertFrom-SecureString $_ -AsPlainText })
} | ConvertTo-Json -Compress
'@)
        $result = Read-ChildResult $run

        $result.Stopped | Should -Match '^ActionPreferenceStop'
        $result.Early | Should -Be 0 -Because 'the warning comes before the account is created'
        $result.First | Should -HaveCount 1
        $result.First[0] | Should -Match 'transcript is running'
        $result.Second | Should -Be 0 -Because 'the session warns once'
        # The drawing went to the host only: the transcript records the output and the warning, never the QR code,
        # the key for manual entry or the recovery codes.
        $text = Get-Content -LiteralPath $result.Transcript -Raw
        $text | Should -Match 'transcript is running'
        $text | Should -Match 'Account\s+: ops'
        $text | Should -Not -Match '█'
        $text | Should -Not -Match ([regex]::Escape((($result.Seed -split '(.{4})' | Where-Object { $_ }) -join ' ')))
        foreach ($code in $result.Codes) { $text | Should -Not -Match ([regex]::Escape($code)) }
    }

    It 'draws nothing in a non-interactive session without -ShowQrCode, so a transcript holds no seed' {
        $run = Invoke-Child ($Prelude + @'
$transcript = Join-Path $Folder 'transcript.txt'
$null = Start-Transcript -LiteralPath $transcript
$enrolment = New-KeyAdminAccount -Name ops -Email ops@example.com
$enrolment | Format-List | Out-Host
$null = Stop-Transcript
[pscustomobject]@{ Transcript = $transcript; Seed = ConvertFrom-SecureString $enrolment.Secret -AsPlainText } | ConvertTo-Json -Compress
'@)
        $result = Read-ChildResult $run
        $text = Get-Content -LiteralPath $result.Transcript -Raw

        $text | Should -Match 'Account\s+: ops'
        $text | Should -Not -Match ([regex]::Escape($result.Seed))
        $text | Should -Not -Match '█'
        $text | Should -Not -Match 'otpauth://'
    }
}

Describe 'Nothing lost to a stream preference' {
    It 'stops New-ApiKey <Name> before the key exists, in a pwsh -NonInteractive -File script, and leaves its code unspent' -ForEach @(
        @{ Name = 'under $WarningPreference = Stop'; Line = '$WarningPreference = ''Stop''; $key = New-ApiKey -Account desk -Name bot-a -Code $code' }
        @{ Name = 'with -WarningAction Stop'; Line = '$key = New-ApiKey -Account desk -Name bot-a -Code $code -WarningAction Stop' }
        @{ Name = 'with -Debug'; Line = '$key = New-ApiKey -Account desk -Name bot-a -Code $code -Debug' }
    ) {
        $run = Invoke-Child ($Prelude + @"
`$code = Code `$seed 0
`$stopped = try { $Line; 'created' } catch { `$_.FullyQualifiedErrorId }
`$WarningPreference = 'Continue'
`$left = @(Get-ApiKey -Account desk).Count
`$again = New-ApiKey -Account desk -Name bot-a -Code `$code -WarningAction SilentlyContinue
[pscustomobject]@{ Stopped = `$stopped; KeysAfterStop = `$left; Secret = (ConvertFrom-SecureString `$again.Secret -AsPlainText).Substring(0, 4) } | ConvertTo-Json -Compress
"@)
        $result = Read-ChildResult $run

        $result.Stopped | Should -Not -Be 'created'
        $result.KeysAfterStop | Should -Be 0
        $result.Secret | Should -Be 'kas_' -Because 'the same code creates the key afterwards: it was not spent'
    }

    It 'delivers the enrolment of New-KeyAdminAccount under $WarningPreference = Stop' {
        $WarningPreference = 'Stop'
        $enrolment = New-KeyAdminAccount -Name stopper -Email stopper@example.com

        $enrolment.Secret | Should -BeOfType [securestring]
        $enrolment.RecoveryCodes | Should -HaveCount 10
    }
}

Describe 'The second factor has no way around it' {
    BeforeAll {
        $null = New-TestAccount desk
        # The security state without the audit head: a refusal is recorded in the audit log, and changes nothing else.
        function script:Get-SecurityState {
            Get-StoreSnapshot | ConvertFrom-Json | Select-Object -Property * -ExcludeProperty AuditHead | ConvertTo-Json -Depth 6
        }
    }

    It 'refuses Set-KeyAdminPolicy without the store administrator: KeyAdmin.<Id>' -ForEach @(
        @{ Id = 'StoreAdministratorNotEnrolled'; Enrol = $false; Code = 'account' }
        @{ Id = 'TwoFactorCodeRequired'; Enrol = $true; Code = 'none' }
        @{ Id = 'TwoFactorCodeInvalid'; Enrol = $true; Code = 'account' }
    ) {
        if ($Enrol -and -not $Seeds['(store)']) { $null = New-TestStoreAdministrator }
        $before = Get-StoreSnapshot
        $arguments = @{ MaxFailedCodes = 100; LockoutDuration = '00:01:00'; MaxKeysPerAccount = 1000; Confirm = $false }
        if ($Code -eq 'account') { $arguments.Code = Get-Code desk }

        $failure = Get-CommandError { Set-KeyAdminPolicy @arguments }

        $failure.FullyQualifiedErrorId | Should -BeLike "KeyAdmin.$Id,*"
        (Get-KeyAdminPolicy).MaxFailedCodes | Should -Be 5
        (Get-StoreSnapshot | ConvertFrom-Json).Policy | ConvertTo-Json | Should -Be (($before | ConvertFrom-Json).Policy | ConvertTo-Json)
    }

    It 'refuses Remove-KeyAdminAccount and unregistering the primary without a code, and changes nothing' {
        $before = Get-StoreSnapshot

        (Get-CommandError { Remove-KeyAdminAccount -Name desk -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'KeyAdmin.TwoFactorCodeRequired,*'
        (Get-CommandError { Unregister-KeyAdminAuthenticator -Account desk -Name primary -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'KeyAdmin.TwoFactorCodeRequired,*'

        Get-StoreSnapshot | Should -Be $before
    }

    It 'shows the scope of automation authenticators and refuses a job outside it with KeyAdmin.TwoFactorScopeDenied' {
        $job = Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code (Get-Code desk) -WarningAction SilentlyContinue
        (Get-KeyAdminAuthenticator -Account desk | Where-Object Name -eq rotation-job).Scope | Should -Be @('CreateKey', 'RotateKey', 'DisableKey')
        $before = Get-SecurityState

        $failure = Get-CommandError { Set-KeyAdminAccount -Name desk -RequireWithdrawalCode $false -KeyLimit 1000 -Code ($job.Secret | Get-KeyAdminTotpCode) }

        $failure.FullyQualifiedErrorId | Should -BeLike 'KeyAdmin.TwoFactorScopeDenied,*'
        Get-SecurityState | Should -Be $before
        (Get-KeyAdminAccount -Name desk).LockedUntil | Should -BeNullOrEmpty
    }
}
