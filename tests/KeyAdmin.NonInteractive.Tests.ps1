#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Every cmdlet as a scheduled job runs it: `pwsh -NoProfile -NonInteractive -File`, with standard input closed,
# at EOF and open (a pipe that never delivers a line). Each cmdlet is called the way a job that forgot something
# would call it (no -Code, no -Force, a confirmation asked for): none may prompt, hang or die of a .NET exception;
# each ends with the documented KeyAdmin error or does its work.

BeforeDiscovery {
    # What each cmdlet does in the job, and what it must answer: 'ok', or the KeyAdmin error id it ends with.
    # {0} is bot-a's key id.
    $cases = [ordered]@{
        'Connect-KeyAdminStore'            = @('Connect-KeyAdminStore -Path $store', 'ok')
        'Get-KeyAdminStore'                = @('Get-KeyAdminStore', 'ok')
        'Get-KeyAdminPolicy'               = @('Get-KeyAdminPolicy', 'ok')
        'Set-KeyAdminPolicy'               = @('Set-KeyAdminPolicy -MaxKeysPerAccount 6', 'KeyAdmin.ConfirmationRequired')
        'New-KeyAdminStoreAdministrator'   = @('New-KeyAdminStoreAdministrator -Email security@example.com', 'ok')
        'New-KeyAdminAccount'              = @('New-KeyAdminAccount -Name newbie -Email newbie@example.com', 'ok')
        'Get-KeyAdminAccount'              = @('Get-KeyAdminAccount', 'ok')
        'Set-KeyAdminAccount'              = @('Set-KeyAdminAccount -Name desk -KeyLimit 4', 'KeyAdmin.TwoFactorCodeRequired')
        'Remove-KeyAdminAccount'           = @('Remove-KeyAdminAccount -Name empty', 'KeyAdmin.ConfirmationRequired')
        'Confirm-KeyAdminAuthenticator'    = @('Confirm-KeyAdminAuthenticator -Account empty -Code 000000 -Confirm', 'KeyAdmin.ConfirmationRequired')
        'Reset-KeyAdminAuthenticator'      = @("Reset-KeyAdminAuthenticator -Account desk -Reason 'phone lost'", 'KeyAdmin.ConfirmationRequired')
        'Stop-KeyAdminAuthenticatorReset'  = @('Stop-KeyAdminAuthenticatorReset -Account desk -Code 000000 -Confirm', 'KeyAdmin.ConfirmationRequired')
        'New-KeyAdminRecoveryCode'         = @('New-KeyAdminRecoveryCode -Account desk', 'KeyAdmin.TwoFactorCodeRequired')
        'Register-KeyAdminAuthenticator'   = @('Register-KeyAdminAuthenticator -Account desk -Name job2', 'KeyAdmin.TwoFactorCodeRequired')
        'Unregister-KeyAdminAuthenticator' = @('Unregister-KeyAdminAuthenticator -Account desk -Name job', 'KeyAdmin.ConfirmationRequired')
        'Get-KeyAdminAuthenticator'        = @('Get-KeyAdminAuthenticator -Account desk', 'ok')
        'Get-KeyAdminTotpCode'             = @("ConvertTo-SecureString 'JBSWY3DPEHPK3PXP' -AsPlainText | Get-KeyAdminTotpCode", 'ok')
        'New-ApiKey'                       = @('New-ApiKey -Account desk -Name bot-new', 'KeyAdmin.TwoFactorCodeRequired')
        'Get-ApiKey'                       = @('Get-ApiKey -Account desk', 'ok')
        'Set-ApiKey'                       = @('Set-ApiKey -Account desk -Name bot-a -AddIpAddress 198.51.100.7', 'KeyAdmin.TwoFactorCodeRequired')
        'Enable-ApiKey'                    = @('Enable-ApiKey -Account desk -Name bot-old', 'KeyAdmin.TwoFactorCodeRequired')
        'Remove-ApiKey'                    = @('Remove-ApiKey -Account desk -Name bot-old -Code 000000', 'KeyAdmin.ConfirmationRequired')
        'New-ApiKeySignature'              = @("New-ApiKeySignature -Credential ([pscredential]::new('{0}', (ConvertTo-SecureString 'kas_x' -AsPlainText))) -Method GET -Path /", 'ok')
        'Test-ApiKey'                      = @("Test-ApiKey -KeyId '{0}' -Timestamp 1 -Signature x -Method GET -Path / -IpAddress 203.0.113.7", 'ok')
        'Get-ApiKeyAuditLog'               = @('Get-ApiKeyAuditLog -Last 3', 'ok')
        'Test-ApiKeyAuditLog'              = @('Test-ApiKeyAuditLog', 'ok')
        'Test-ApiKeyCompliance'            = @('Test-ApiKeyCompliance', 'ok')
        'Invoke-ApiKeyRotation'            = @('Invoke-ApiKeyRotation -KeyId {0} -Code 000000', 'KeyAdmin.DeliveryMissing')
        'Get-ApiKeyRotation'               = @('Get-ApiKeyRotation', 'ok')
        'Resume-ApiKeyRotation'            = @('Resume-ApiKeyRotation -RotationId 0123456789abcdef0123456789abcdef', 'KeyAdmin.RotationNotFound')
        # Disable never asks: the key is stopped, whoever runs the job.
        'Disable-ApiKey'                   = @("Disable-ApiKey -KeyId {0} -Reason 'leaked'", 'ok')
    }
    $script:caseList = @($cases.Keys | ForEach-Object { @{ Name = $_; Expected = $cases[$_][1] } })
    $script:modes = @('Closed', 'Eof', 'Open') | Where-Object { -not $IsWindows -or $_ -ne 'Closed' } | ForEach-Object { @{ Stdin = $_; Cases = $cases } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    # One job that runs every case and prints "<cmdlet>=<ok or error id>", then Disable-ApiKey's effect.
    function script:New-JobScript([System.Collections.IDictionary] $Cases, [string] $Store, [string] $KeyId) {
        $lines = @("`$store = '$($Store.Replace("'", "''"))'", 'Connect-KeyAdminStore -Path $store')
        foreach ($name in $Cases.Keys) {
            $command = $Cases[$name][0] -f $KeyId
            $lines += "try { `$null = $command -ErrorAction Stop; '$name=ok' } catch { '$name=' + (`$_.FullyQualifiedErrorId -split ',')[0] + ' :: ' + `$_.Exception.GetType().FullName }"
        }
        $lines += "'status=' + (Get-ApiKey -KeyId $KeyId).Status"
        $lines -join "`n"
    }
}

Describe 'A scheduled job with standard input <Stdin>' -ForEach $modes {
    BeforeAll {
        Initialize-TestStore
        $null = New-TestAccount desk
        $null = New-KeyAdminAccount -Name empty -Email empty@example.com
        $keys = @(
            [pscustomobject]@{ Account = 'desk'; Name = 'bot-a'; Permission = 'Trade'; IpAddress = '203.0.113.7' }
            [pscustomobject]@{ Account = 'desk'; Name = 'bot-old'; Permission = 'Read'; IpAddress = '203.0.113.7' }
        ) | New-ApiKey -Code (Get-Code desk) -WarningAction SilentlyContinue
        $script:botA = ($keys | Where-Object Name -eq 'bot-a').KeyId
        Disable-ApiKey -Account desk -Name bot-old
        $null = Register-KeyAdminAuthenticator -Account desk -Name job -Code (Get-Code desk) -WarningAction SilentlyContinue
        $script:run = Invoke-TestScript (New-JobScript $Cases $StorePath $botA) -Stdin $Stdin -TimeoutSeconds 90
        $script:answers = @{}
        foreach ($line in $run.Output -split "`r?`n" | Where-Object { $_ -match '^[A-Za-z-]+=' }) {
            $name, $answer = $line -split '=', 2
            $answers[$name] = $answer
        }
    }

    It 'finishes without waiting for input, and without a .NET exception on the error stream' {
        $run.TimedOut | Should -BeFalse -Because 'no cmdlet may wait for input that never comes'
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Errors | Should -Not -Match 'NullReferenceException|HostException|NonInteractive mode|Exception calling'
    }

    It 'covers every cmdlet of the module' {
        $exported = (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport
        $exported | Where-Object { $_ -notin $Cases.Keys } | Should -BeNullOrEmpty
    }

    It '<Name> answers as documented' -ForEach $caseList {
        $answers[$Name] | Should -Not -BeNullOrEmpty -Because "the job printed nothing for $Name ($($run.Output))"
        if ($Expected -eq 'ok') {
            $answers[$Name] | Should -Be 'ok'
        }
        else {
            $answers[$Name] | Should -BeLike "$Expected :: *"
            $answers[$Name] | Should -Not -Match 'NullReference|Host'
        }
    }

    It 'disabled the leaked key without asking, and changed nothing the refused commands named' {
        $answers['status'] | Should -Be 'Disabled'
        (Get-ApiKey -Account desk -Name bot-old).Status | Should -Be 'Disabled'
        (Get-KeyAdminAccount -Name empty).Name | Should -Be 'empty'
        (Get-KeyAdminPolicy).MaxKeysPerAccount | Should -Be 5
        (Get-KeyAdminAuthenticator -Account desk).Name | Should -Contain 'job'
        (Get-KeyAdminAccount -Name desk).RecoveryCodesLeft | Should -Be 10
        (Get-KeyAdminAccount -Name desk).TwoFactor | Should -Be 'Active'
    }
}
