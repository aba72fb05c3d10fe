#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The key lifecycle against the built module, in a real pwsh. Run by `./build.ps1 -Test` where Pester 5 is
# installed; the same behaviours are covered by the engine-hosted xunit tests on machines without pwsh.

BeforeAll {
    $modulePath = [IO.Path]::Combine($PSScriptRoot, '..', 'out', 'KeyAdmin', 'KeyAdmin.psd1')
    Import-Module $modulePath -Force
    $script:storeFolder = Join-Path ([IO.Path]::GetTempPath()) ('keyadmin-pester-' + [guid]::NewGuid().ToString('N'))
    Connect-KeyAdminStore -Path (Join-Path $storeFolder 'keyadmin.db')

    # Codes are accepted once and only after the last one: hand out the previous, current and next step in
    # order, then wait for the clock to move on.
    $script:lastStep = 0
    function script:Get-Code([securestring] $Seed) {
        while ($true) {
            $now = [Math]::Floor([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() / 30)
            $step = [Math]::Max($now - 1, $script:lastStep + 1)
            if ($step -le $now + 1) {
                $script:lastStep = $step
                return $Seed | Get-KeyAdminTotpCode -At ([DateTimeOffset]::FromUnixTimeSeconds($step * 30 + 1))
            }
            Start-Sleep -Seconds 1
        }
    }

    $script:enrolment = New-KeyAdminAccount -Name desk -Email 'desk@example.com'
    Confirm-KeyAdminAuthenticator -Account desk -Code (Get-Code $enrolment.Secret)
}

AfterAll {
    Remove-Module KeyAdmin -Force -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:storeFolder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The life of an API key' {
    It 'creates a key whose secret is a SecureString, shown once' {
        $key = New-ApiKey -Account desk -Name bot-a -Permission Read, Trade -IpAddress 203.0.113.7 -Memo 'Bot Trading – Server A' -Code (Get-Code $enrolment.Secret) -WarningVariable warnings -WarningAction SilentlyContinue
        $key.KeyId | Should -Match '^kak_[0-9A-Za-z]{28}$'
        $key.Secret | Should -BeOfType [securestring]
        $warnings | Should -Not -BeNullOrEmpty
        (Get-ApiKey -KeyId $key.KeyId).PSObject.Properties.Name | Should -Not -Contain 'Secret'
    }

    It 'refuses a sixth key with KeyAdmin.KeyLimitReached' {
        $code = Get-Code $enrolment.Secret
        'bot-b', 'bot-c', 'bot-d', 'bot-e' | ForEach-Object { [pscustomobject]@{ Account = 'desk'; Name = $_ } } |
            New-ApiKey -Code $code -WarningAction SilentlyContinue | Should -HaveCount 4
        { New-ApiKey -Account desk -Name bot-f -Code (Get-Code $enrolment.Secret) -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyAdmin.KeyLimitReached*'
        @(Get-ApiKey -Account desk) | Should -HaveCount 5
    }

    It 'changes nothing with -WhatIf' {
        Get-ApiKey -Account desk -Name bot-a | Disable-ApiKey -WhatIf
        (Get-ApiKey -Account desk -Name bot-a).Status | Should -Be 'Enabled'
    }

    It 'refuses to change permissions' {
        { Set-ApiKey -Account desk -Name bot-a -Permission Withdraw -ErrorAction Stop } | Should -Throw -ErrorId 'KeyAdmin.PermissionsImmutable*'
    }

    It 'disables through the pipeline, then deletes with a code' {
        Get-ApiKey -Account desk -Name bot-[bc] | Disable-ApiKey -Reason 'retired' -Confirm:$false
        (Get-ApiKey -Account desk -Status Disabled).Name | Sort-Object | Should -Be @('bot-b', 'bot-c')
        Get-ApiKey -Account desk -Status Disabled | Remove-ApiKey -Code (Get-Code $enrolment.Secret) -Confirm:$false
        @(Get-ApiKey -Account desk) | Should -HaveCount 3
    }

    It 'fails at once without -Code in a non-interactive session' {
        $result = pwsh -NoProfile -NonInteractive -Command "Import-Module '$modulePath'; Connect-KeyAdminStore -Path '$(Join-Path $storeFolder 'keyadmin.db')'; try { New-ApiKey -Account desk -Name bot-x -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        $result | Should -BeLike 'KeyAdmin.TwoFactorCodeRequired*'
    }
}
