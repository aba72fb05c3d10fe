#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Delivery and rotation through SecretManagement's public cmdlets, against a vault the test registers: a REAL
# SecretStore vault where Microsoft.PowerShell.SecretManagement and Microsoft.PowerShell.SecretStore are installed
# (the GitHub workflow, an administrator's machine), else the project's stand-in module. build.ps1 -Test decides
# ($env:KEYADMIN_TEST_VAULT) and runs the suite with a throw-away HOME, so the SecretStore these tests reset is
# the sandbox's, never the user's.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore

    # Account names unique to this run, so that the vault entries (keyadmin-<account>-<key>) never meet others.
    $run = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:desk = "desk$run"
    $script:ops = "ops$run"
    $script:vaultName = "KeyAdminPester$run"
    New-TestVault -Name $vaultName
    $null = New-TestAccount $desk
    $null = New-TestAccount $ops
}

AfterAll {
    Remove-TestVault -Name $vaultName
    Remove-TestStore
}

Describe "Delivery into a $(if ($env:KEYADMIN_TEST_VAULT -eq 'SecretStore') { 'SecretStore' } else { 'stand-in' }) vault and rotation" {
    It 'delivers the credential, which Get-Secret returns and the verifier accepts' {
        $key = New-ApiKey -Account $desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7 -Vault $vaultName -Code (Get-Code $desk)
        $key.PSObject.Properties.Name | Should -Not -Contain 'Secret'
        $key.Vault | Should -Be $vaultName
        $key.SecretName | Should -Be "keyadmin-$desk-bot-a"
        $credential = Get-Secret -Name $key.SecretName -Vault $vaultName
        $credential.UserName | Should -Be $key.KeyId
        (Test-Credential $credential).Accepted | Should -BeTrue
        (Get-SecretInfo -Name $key.SecretName -Vault $vaultName).Metadata['KeyId'] | Should -Be $key.KeyId
    }

    It 'shows the plan with -WhatIf and changes nothing: neither the keys nor the vault entry' {
        $old = Get-ApiKey -Account $desk -Name bot-a
        Wait-VerifierFlush
        $before = Get-StoreSnapshot
        $transcript = Join-Path $TestFolder 'whatif.txt'

        $null = Start-Transcript -Path $transcript
        $outcome = $old | Invoke-ApiKeyRotation -GracePeriod 01:00:00 -Code 000000 -WhatIf
        $null = Stop-Transcript

        $outcome | Should -BeNullOrEmpty
        Get-Content -Raw $transcript | Should -Match ([regex]::Escape("deliver it to vault '$vaultName' entry 'keyadmin-$desk-bot-a'"))
        Get-StoreSnapshot | Should -Be $before
        (Get-Secret -Name $old.SecretName -Vault $vaultName).UserName | Should -Be $old.KeyId
    }

    It 'rotates: Get-Secret sees the new credential, the name moves to the successor, and the old key is refused' {
        $old = Get-ApiKey -Account $desk -Name bot-a
        $before = Get-Secret -Name $old.SecretName -Vault $vaultName

        $outcome = $old | Invoke-ApiKeyRotation -Test { param($c) (Test-Credential $c).Accepted } -Code (Get-Code $desk) -Confirm:$false

        "$($outcome.State)" | Should -Be 'Completed'
        $after = Get-Secret -Name $old.SecretName -Vault $vaultName
        $after.UserName | Should -Be $outcome.NewKeyId
        (Test-Credential $after).Accepted | Should -BeTrue
        (Test-Credential $before).Reason | Should -Be 'Disabled'
        $successor = Get-ApiKey -Account $desk -Name bot-a
        $successor.KeyId | Should -Be $outcome.NewKeyId
        $successor.RotatedFrom | Should -Be $old.KeyId
        $successor.Permissions | Should -Be $old.Permissions
        $successor.IpAddresses | Should -Be $old.IpAddresses
        (Get-ApiKey -KeyId $old.KeyId).RotatedTo | Should -Be $outcome.NewKeyId
        $script:rotationId = $outcome.RotationId
    }

    It 'keeps the rotation in the journal, and Resume-ApiKeyRotation -WhatIf on it changes nothing' {
        $record = Get-ApiKeyRotation -RotationId $rotationId
        "$($record.State)" | Should -Be 'Completed'
        @(Get-ApiKeyRotation -Unfinished | Where-Object RotationId -eq $rotationId) | Should -BeNullOrEmpty
        Wait-VerifierFlush
        $before = Get-StoreSnapshot

        Get-ApiKeyRotation -RotationId $rotationId | Resume-ApiKeyRotation -Undo -WhatIf

        Get-StoreSnapshot | Should -Be $before
    }

    It 'undoes a rotation whose test fails, leaving the working credential in the vault' {
        $current = Get-ApiKey -Account $desk -Name bot-a
        $e = Get-CommandError { $current | Invoke-ApiKeyRotation -Test { $false } -Code (Get-Code $desk) -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.RotationTestFailed,KeyAdmin.Cmdlets.Rotation.InvokeApiKeyRotationCommand'
        (Get-Secret -Name $current.SecretName -Vault $vaultName).UserName | Should -Be $current.KeyId
        (Test-Credential (Get-Secret -Name $current.SecretName -Vault $vaultName)).Accepted | Should -BeTrue
        @(Get-ApiKey -Account $desk) | Should -HaveCount 2 -Because 'the successor of the failed rotation is gone; the retired key of the first rotation stays'
    }

    It 'finds vault entries whose key is gone and keys whose entry is gone' {
        $null = New-ApiKey -Account $ops -Name report -IpAddress 203.0.113.7 -Vault $vaultName -Code (Get-Code $ops)
        Disable-ApiKey -Account $ops -Name report -Confirm:$false
        Remove-ApiKey -Account $ops -Name report -Code (Get-Code $ops) -Confirm:$false
        Remove-Secret -Name "keyadmin-$desk-bot-a" -Vault $vaultName

        $findings = @(Test-ApiKeyCompliance -Vault $vaultName -Rule VaultEntryOrphaned, VaultEntryMissing)

        $orphaned = @($findings | Where-Object { "$($_.Rule)" -eq 'VaultEntryOrphaned' -and $_.Account -eq $ops })
        $orphaned | Should -HaveCount 1
        $missing = @($findings | Where-Object { "$($_.Rule)" -eq 'VaultEntryMissing' -and $_.KeyName -eq 'bot-a' })
        $missing | Should -HaveCount 1
        "$($missing[0].Severity)" | Should -Be 'High'
    }
}
