#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# -WhatIf on every state-changing cmdlet changes nothing: no key, account, authenticator, policy or audit record,
# and no code is spent (each case then runs for real with the very same code). Cmdlets that need a vault
# (Invoke-ApiKeyRotation, Resume-ApiKeyRotation) are covered in KeyAdmin.Rotation.Tests.ps1.

BeforeDiscovery {
    # {0} is -WhatIf, then -Confirm:$false for the real run; {1} is bot-a's key id. $code is a fresh code of desk's
    # authenticator, $pendingCode one of the pending account newbie, $adminCode one of the store administrator
    # (enrolled for the cases that use it), $otherStore a store that does not exist yet.
    $script:cases = @(
        @{ Cmdlet = 'New-KeyAdminAccount'; Line = 'New-KeyAdminAccount -Name fresh -Email fresh@example.com {0}' }
        @{ Cmdlet = 'Remove-KeyAdminAccount'; Line = 'Remove-KeyAdminAccount -Name newbie {0}' }
        @{ Cmdlet = 'Set-KeyAdminAccount'; Line = 'Set-KeyAdminAccount -Name desk -KeyLimit 7 -RequireWithdrawalCode $true -Code $code {0}' }
        @{ Cmdlet = 'Confirm-KeyAdminAuthenticator'; Line = 'Confirm-KeyAdminAuthenticator -Account newbie -Code $pendingCode {0}' }
        @{ Cmdlet = 'Reset-KeyAdminAuthenticator'; Line = 'Reset-KeyAdminAuthenticator -Account desk -Reason ''phone lost'' {0}' }
        @{ Cmdlet = 'Register-KeyAdminAuthenticator'; Line = 'Register-KeyAdminAuthenticator -Account desk -Name backup-job -Code $code {0}' }
        @{ Cmdlet = 'Unregister-KeyAdminAuthenticator'; Line = 'Unregister-KeyAdminAuthenticator -Account desk -Name rotation-job {0}' }
        @{ Cmdlet = 'New-ApiKey'; Line = 'New-ApiKey -Account desk -Name bot-new -Permission Trade -IpAddress 203.0.113.7 -Code $code -WarningAction SilentlyContinue {0}' }
        @{ Cmdlet = 'Set-ApiKey'; Line = 'Get-ApiKey -Account desk -Name bot-a | Set-ApiKey -NewName bot-renamed -Memo changed -AddIpAddress 198.51.100.7 -Code $code {0}' }
        @{ Cmdlet = 'Disable-ApiKey'; Line = '''{1}'' | Disable-ApiKey -Reason test {0}' }
        @{ Cmdlet = 'Enable-ApiKey'; Line = 'Enable-ApiKey -Account desk -Name bot-old -Code $code {0}' }
        @{ Cmdlet = 'Remove-ApiKey'; Line = 'Get-ApiKey -Account desk -Status Disabled | Remove-ApiKey -Code $code {0}' }
        @{ Cmdlet = 'Set-KeyAdminPolicy'; Line = 'Set-KeyAdminPolicy -MaxKeysPerAccount 2 -MaxFailedCodes 3 -Code $adminCode {0}' }
        @{ Cmdlet = 'New-KeyAdminStoreAdministrator'; Line = 'New-KeyAdminStoreAdministrator -Email security@example.com {0}' }
        @{ Cmdlet = 'New-KeyAdminRecoveryCode'; Line = 'New-KeyAdminRecoveryCode -Account desk -Code $code {0}' }
        @{ Cmdlet = 'Stop-KeyAdminAuthenticatorReset'; Line = 'Stop-KeyAdminAuthenticatorReset -Account desk -Code $code {0}' }
        @{ Cmdlet = 'Connect-KeyAdminStore'; Line = 'Connect-KeyAdminStore -Path $otherStore {0}' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $script:coveredElsewhere = @('Invoke-ApiKeyRotation', 'Resume-ApiKeyRotation')
}

AfterAll {
    Remove-TestStore
}

Describe '-WhatIf' {
    It 'has a case for every cmdlet that supports it' {
        $changing = Get-Command -Module KeyAdmin -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('WhatIf') } | ForEach-Object Name
        $tested = @($cases | ForEach-Object { $_.Cmdlet }) + $coveredElsewhere
        $changing | Where-Object { $_ -notin $tested } | Should -BeNullOrEmpty -Because 'every state-changing cmdlet needs a -WhatIf case'
    }

    Context '<Cmdlet>' -ForEach $cases {
        BeforeAll {
            # A fresh store per case, so that every case starts alike and its codes come from a new authenticator
            # (no waiting for the clock): desk with bot-a enabled and bot-old disabled, an automation
            # authenticator where the case needs one, and newbie, whose enrolment is still pending.
            Initialize-TestStore
            $null = New-TestAccount desk
            $keys = @(
                [pscustomobject]@{ Account = 'desk'; Name = 'bot-a'; Permission = 'Trade'; IpAddress = '203.0.113.7' }
                [pscustomobject]@{ Account = 'desk'; Name = 'bot-old'; Permission = 'Read'; IpAddress = '203.0.113.7' }
            ) | New-ApiKey -Code (Get-Code desk) -WarningAction SilentlyContinue
            $script:botA = $keys | Where-Object Name -eq 'bot-a'
            Disable-ApiKey -Account desk -Name bot-old -Confirm:$false
            if ($Line -match 'rotation-job') {
                $null = Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Code (Get-Code desk) -WarningAction SilentlyContinue
            }
            if ($Line -match 'adminCode') {
                $null = New-TestStoreAdministrator
            }
            if ($Cmdlet -eq 'Stop-KeyAdminAuthenticatorReset') {
                $null = Reset-KeyAdminAuthenticator -Account desk -Reason 'claimed lost' -Confirm:$false
            }
            $script:newbieSeed = (New-KeyAdminAccount -Name newbie -Email newbie@example.com).Secret
        }

        It 'changes nothing and spends no code, while the same command without -WhatIf does change the store' {
            $code = if ($Line -match '\$code') { Get-Code desk }
            $adminCode = if ($Line -match '\$adminCode') { Get-Code '(store)' }
            $pendingCode = $newbieSeed | Get-KeyAdminTotpCode
            $otherStore = Join-Path $TestFolder 'other' 'keyadmin.db'
            $whatIf = [scriptblock]::Create(($Line -f '-WhatIf', $botA.KeyId))
            $real = [scriptblock]::Create(($Line -f '-Confirm:$false', $botA.KeyId))
            $before = Get-StoreSnapshot

            $output = . $whatIf

            $output | Should -BeNullOrEmpty
            Get-StoreSnapshot | Should -Be $before
            (Get-KeyAdminStore).Location | Should -Be $StorePath
            Test-Path $otherStore | Should -BeFalse

            $null = . $real
            if ($Cmdlet -eq 'Connect-KeyAdminStore') {
                (Get-KeyAdminStore).Location | Should -Be $otherStore
            }
            else {
                Get-StoreSnapshot | Should -Not -Be $before
            }
        }
    }
}
