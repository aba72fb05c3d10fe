#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Delivery and rotation against a REAL SecretStore vault (Microsoft.PowerShell.SecretManagement and
# Microsoft.PowerShell.SecretStore from the gallery). Registers a throw-away vault with no password and no
# interaction, and removes it afterwards. The same behaviours run in CI through a stand-in module.

BeforeAll {
    Import-Module Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore -ErrorAction Stop
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'out', 'KeyAdmin', 'KeyAdmin.psd1')) -Force
    $script:folder = Join-Path ([IO.Path]::GetTempPath()) ('keyadmin-rotation-' + [guid]::NewGuid().ToString('N'))
    Connect-KeyAdminStore -Path (Join-Path $folder 'keyadmin.db')

    # A SecretStore that never prompts: no password, no interaction (the store is per user, so it is reset).
    $script:vaultName = 'KeyAdminPester' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Reset-SecretStore -Authentication None -Interaction None -Force -Confirm:$false
    Register-SecretVault -Name $vaultName -ModuleName Microsoft.PowerShell.SecretStore

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

    function script:Test-Credential([pscredential] $Credential, [string] $Address = '203.0.113.7') {
        $h = New-ApiKeySignature -Credential $Credential -Method GET -Path '/api/v1/accounts'
        Test-ApiKey -KeyId $h['KA-API-KEY'] -Timestamp $h['KA-API-TIMESTAMP'] -Signature $h['KA-API-SIGN'] -Method GET -Path '/api/v1/accounts' -IpAddress $Address
    }

    $script:enrolment = New-KeyAdminAccount -Name desk -Email 'desk@example.com'
    Confirm-KeyAdminAuthenticator -Account desk -Code (Get-Code $enrolment.Secret)
}

AfterAll {
    Unregister-SecretVault -Name $script:vaultName -ErrorAction SilentlyContinue
    Remove-Module KeyAdmin -Force -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Delivery into a SecretStore vault and rotation' {
    It 'delivers the credential, which Get-Secret returns and the verifier accepts' {
        $key = New-ApiKey -Account desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7 -Vault $vaultName -Code (Get-Code $enrolment.Secret)
        $key.Vault | Should -Be $vaultName
        $credential = Get-Secret -Name $key.SecretName -Vault $vaultName
        $credential.UserName | Should -Be $key.KeyId
        (Test-Credential $credential).Accepted | Should -BeTrue
        (Get-SecretInfo -Name $key.SecretName -Vault $vaultName).Metadata['KeyId'] | Should -Be $key.KeyId
    }

    It 'rotates: Get-Secret sees the new credential, and the old key is refused once retired' {
        $old = Get-ApiKey -Account desk -Name bot-a
        $before = Get-Secret -Name $old.SecretName -Vault $vaultName

        $outcome = $old | Invoke-ApiKeyRotation -Test { param($c) (Test-Credential $c).Accepted } -Code (Get-Code $enrolment.Secret) -Confirm:$false

        $outcome.State | Should -Be 'Completed'
        $after = Get-Secret -Name $old.SecretName -Vault $vaultName
        $after.UserName | Should -Be $outcome.NewKeyId
        (Test-Credential $after).Accepted | Should -BeTrue
        (Test-Credential $before).Reason | Should -Be 'Disabled'
    }

    It 'undoes a rotation whose test fails, leaving the working credential in the vault' {
        $current = Get-ApiKey -Account desk -Name bot-a
        { $current | Invoke-ApiKeyRotation -Test { $false } -Code (Get-Code $enrolment.Secret) -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyAdmin.RotationTestFailed*'
        (Get-Secret -Name $current.SecretName -Vault $vaultName).UserName | Should -Be $current.KeyId
        (Test-Credential (Get-Secret -Name $current.SecretName -Vault $vaultName)).Accepted | Should -BeTrue
    }
}
