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
        $successor.Permissions.ToString() | Should -Be $old.Permissions.ToString()
        $successor.IpAddresses.ToString() | Should -Be $old.IpAddresses.ToString()
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

Describe 'What a rotation test must do to pass' {
    BeforeAll {
        # One account per case: each has its own authenticator, so its three codes never wait for the clock.
        $script:caseNumber = 0
        function script:New-RotationCase {
            $script:caseNumber++
            $account = "rot$caseNumber$run"
            $null = New-TestAccount $account
            New-ApiKey -Account $account -Name bot -Permission Trade -IpAddress 203.0.113.7 -Vault $vaultName -Code (Get-Code $account)
        }
    }

    It 'fails, and undoes the rotation, when the test <Name>' -ForEach @(
        @{ Name = 'writes an error'; Test = { param($c) Write-Error 'the exchange said 400001'; $true }; Reason = 'wrote an error: the exchange said 400001' }
        @{ Name = 'returns 0'; Test = { param($c) 0 }; Reason = "returned '0', not `$true" }
        @{ Name = "returns 'FAILED'"; Test = { param($c) 'FAILED' }; Reason = "returned 'FAILED', not `$true" }
        @{ Name = 'returns nothing'; Test = { param($c) }; Reason = 'returned nothing' }
        @{ Name = 'returns $true and then $false'; Test = { param($c) $true; $false }; Reason = "returned '`$false', not `$true" }
        @{ Name = 'throws'; Test = { param($c) throw 'refused' }; Reason = 'threw: refused' }
    ) {
        $old = New-RotationCase

        $e = Get-CommandError { $old | Invoke-ApiKeyRotation -Test $Test -Code (Get-Code $old.Account) -Force }

        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.RotationTestFailed,KeyAdmin.Cmdlets.Rotation.InvokeApiKeyRotationCommand'
        $e.Exception.Message | Should -BeLike "*$Reason*"
        (Get-Secret -Name $old.SecretName -Vault $vaultName).UserName | Should -Be $old.KeyId
        @(Get-ApiKey -Account $old.Account).KeyId | Should -Be @($old.KeyId)
        "$((Get-ApiKeyRotation)[0].State)" | Should -Be 'RolledBack'
    }

    It 'stops a test that outlives -TestTimeout, counts it as failed and undoes the rotation' {
        $old = New-RotationCase
        $clock = [Diagnostics.Stopwatch]::StartNew()

        $e = Get-CommandError { $old | Invoke-ApiKeyRotation -Test { param($c) Start-Sleep -Seconds 60; $true } -TestTimeout 00:00:02 -Code (Get-Code $old.Account) -Force }

        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $e.FullyQualifiedErrorId | Should -BeLike 'KeyAdmin.RotationTestFailed,*'
        $e.Exception.Message | Should -BeLike '*did not finish within 00:00:02*'
        (Get-Secret -Name $old.SecretName -Vault $vaultName).UserName | Should -Be $old.KeyId
    }

    It 'passes a test that returns $true, seeing the caller''s variables, the credential and the successor' {
        $old = New-RotationCase
        $expectedPermissions = 'Read, Trade'
        $test = { param($credential, $passphrase, $key) $null -eq $passphrase -and $credential.UserName -eq $key.KeyId -and $key.Permissions.ToString() -eq $expectedPermissions -and $key.Name -like 'bot*' }

        $outcome = $old | Invoke-ApiKeyRotation -Test $test -Code (Get-Code $old.Account) -Force

        "$($outcome.State)" | Should -Be 'Completed'
    }

    It 'verifies an IP-bound successor from inside its binding with Test-ApiKey -Credential, wherever the job runs' {
        $old = New-RotationCase

        $outcome = $old | Invoke-ApiKeyRotation -Test { param($c) (Test-ApiKey -Credential $c).Accepted } -Code (Get-Code $old.Account) -Force

        "$($outcome.State)" | Should -Be 'Completed'
        (Test-ApiKey -Credential (Get-Secret -Name $old.SecretName -Vault $vaultName)).Accepted | Should -BeTrue
        (Test-ApiKey -Credential (Get-Secret -Name $old.SecretName -Vault $vaultName) -IpAddress 198.51.100.1).Reason | Should -Be 'AddressNotAllowed'
    }

    It 'completes rotation ids from the journal' {
        $id = (Get-ApiKeyRotation)[0].RotationId
        $line = "Get-ApiKeyRotation -RotationId $($id.Substring(0, 6))"
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain $id
    }

    It 'refuses to undo a rotation that is already completed, and changes nothing' {
        $old = New-RotationCase
        $outcome = $old | Invoke-ApiKeyRotation -Code (Get-Code $old.Account) -Force

        $e = Get-CommandError { Resume-ApiKeyRotation -RotationId $outcome.RotationId -Undo -Force }

        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.RotationNotPossible,KeyAdmin.Cmdlets.Rotation.ResumeApiKeyRotationCommand'
        (Get-Secret -Name $old.SecretName -Vault $vaultName).UserName | Should -Be $outcome.NewKeyId
    }
}

Describe 'The scheduled rotation job in the grace window of its previous run' {
    It 'rotates the successor that is due and leaves the key it retired alone, exiting 0' {
        $account = "sched$run"
        $null = New-TestAccount $account
        $null = New-ApiKey -Account $account -Name bot -Permission Trade -IpAddress 203.0.113.7 -Vault $vaultName -Code (Get-Code $account)
        $null = Get-ApiKey -Account $account -Name bot | Invoke-ApiKeyRotation -GracePeriod 01:00:00 -Code (Get-Code $account) -Force
        $retired = Get-ApiKey -Account $account | Where-Object RotatedTo
        "$($retired.Status)" | Should -Be 'Enabled' -Because 'the grace period keeps the old key working'
        # The job's own automation authenticator, its seed in the job's vault.
        $job = Register-KeyAdminAuthenticator -Account $account -Name rotation-job -Code (Get-Code $account) -WarningAction SilentlyContinue
        Set-Secret -Name "keyadmin-$account-rotation-job" -Vault $vaultName -Secret $job.Secret
        $rotate = [IO.Path]::Combine($PSScriptRoot, '..', 'examples', 'scheduled-rotation', 'rotate.ps1')

        # Every key is due at rotation age 0: the successor must be rotated, the retired key must not be tried.
        # In this session (the vault is this session's), with KeyAdmin on the module path as the job finds it.
        $modulePath = $env:PSModulePath
        try {
            $env:PSModulePath = [IO.Path]::GetDirectoryName($ModuleFolder) + [IO.Path]::PathSeparator + $modulePath
            $output = & $rotate -Account $account -JobVault $vaultName -RotationAgeDays 0 2>&1 | Out-String
            $exit = $LASTEXITCODE
        }
        finally {
            $env:PSModulePath = $modulePath
        }

        $exit | Should -Be 0 -Because $output
        @(Get-ApiKeyRotation | Where-Object OldKeyId -eq $retired.KeyId) | Should -HaveCount 1 -Because 'only the rotation that retired it: a key in its grace window is not due again'
        @(Get-ApiKeyRotation | Where-Object { $_.AccountName -eq $account -and "$($_.State)" -eq 'Completed' }) | Should -HaveCount 2
        (Get-ApiKey -KeyId $retired.KeyId).RotatedTo | Should -Not -BeNullOrEmpty
        (Test-ApiKey -Credential (Get-Secret -Name "keyadmin-$account-bot" -Vault $vaultName)).Accepted | Should -BeTrue
    }
}
