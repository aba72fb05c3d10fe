#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The whole life of an API key against the built module, in a real pwsh: created under 2FA, used by signed
# requests, relabelled and re-bound, limited, disabled, enabled, disabled again and deleted, every step in the audit
# log. Run by `./build.ps1 -Test` where Pester 5 is installed; the engine-hosted xunit tests cover the same rules
# on machines without pwsh.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $null = New-TestAccount desk
}

AfterAll {
    Remove-TestStore
}

Describe 'The life of an API key' {
    It 'creates a key whose secret is a SecureString, handed over once with a warning' {
        $script:key = New-ApiKey -Account desk -Name bot-a -Permission Read, Trade -IpAddress 203.0.113.7 -Memo 'Bot Trading – Server A' -ExpiresIn 90 -Code (Get-Code desk) -WarningVariable warnings -WarningAction SilentlyContinue
        $key.KeyId | Should -Match '^kak_[0-9A-Za-z]{28}$'
        $key.Secret | Should -BeOfType [securestring]
        $key.Permissions.ToString() | Should -Be 'Read, Trade'
        $key.ExpiresAt | Should -BeGreaterThan (Get-Date).AddDays(89)
        $warnings | Should -Not -BeNullOrEmpty
        $listed = Get-ApiKey -KeyId $key.KeyId
        $listed.PSObject.Properties.Name | Should -Not -Contain 'Secret'
        $listed.Memo | Should -Be 'Bot Trading – Server A'
        $script:credential = [pscredential]::new($key.KeyId, $key.Secret)
    }

    It 'signs requests that verification accepts only from the bound address and for the granted permission' {
        (Test-Credential $credential).Accepted | Should -BeTrue
        (Test-Credential $credential -Address 198.51.100.9).Reason | Should -Be 'AddressNotAllowed'
        $h = New-ApiKeySignature -Credential $credential -Method POST -Path '/api/v1/withdrawals' -Body '{}'
        (Test-ApiKey -KeyId $h['KA-API-KEY'] -Timestamp $h['KA-API-TIMESTAMP'] -Signature $h['KA-API-SIGN'] -Method POST -Path '/api/v1/withdrawals' -Body '{}' -IpAddress 203.0.113.7 -Permission Withdraw).Reason |
            Should -Be 'PermissionMissing'
    }

    It 'changes the memo without a code and the binding with one' {
        Set-ApiKey -KeyId $key.KeyId -Memo 'Bot Trading – Server B'
        $changed = Set-ApiKey -KeyId $key.KeyId -AddIpAddress 198.51.100.0/24, 2001:db8::/48 -Code (Get-Code desk) -PassThru
        $changed.Memo | Should -Be 'Bot Trading – Server B'
        $changed.IpAddresses | Should -Contain '198.51.100.0/24'
        (Test-Credential $credential -Address 198.51.100.9).Accepted | Should -BeTrue
    }

    It 'refuses to change permissions' {
        $e = Get-CommandError { Set-ApiKey -Account desk -Name bot-a -Permission Withdraw }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.PermissionsImmutable,KeyAdmin.Cmdlets.Keys.SetApiKeyCommand'
        (Get-ApiKey -KeyId $key.KeyId).Permissions.ToString() | Should -Be 'Read, Trade'
    }

    It 'creates keys from piped rows with one code, and refuses a sixth key with KeyAdmin.KeyLimitReached' {
        $code = Get-Code desk
        'bot-b', 'bot-c', 'bot-d', 'bot-e' | ForEach-Object { [pscustomobject]@{ Account = 'desk'; Name = $_; IpAddress = '203.0.113.7' } } |
            New-ApiKey -Code $code -WarningAction SilentlyContinue | Should -HaveCount 4
        $e = Get-CommandError { New-ApiKey -Account desk -Name bot-f -Code (Get-Code desk) -WarningAction SilentlyContinue }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.KeyLimitReached,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'
        $e.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        @(Get-ApiKey -Account desk) | Should -HaveCount 5
    }

    It 'disables a key so that the very next request is refused, and enables it again with a code' {
        Get-ApiKey -Account desk -Name bot-a | Disable-ApiKey -Reason 'server moved' -Confirm:$false
        (Test-Credential $credential).Reason | Should -Be 'Disabled'
        (Get-ApiKey -KeyId $key.KeyId).DisabledReason | Should -Be 'server moved'

        Enable-ApiKey -KeyId $key.KeyId -Code (Get-Code desk)
        (Test-Credential $credential).Accepted | Should -BeTrue
    }

    It 'deletes only disabled keys, with a code, for good' {
        $e = Get-CommandError { Remove-ApiKey -KeyId $key.KeyId -Code '123456' -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.KeyNotDisabled,KeyAdmin.Cmdlets.Keys.RemoveApiKeyCommand'

        Get-ApiKey -Account desk -Name bot-[bc] | Disable-ApiKey -Reason 'retired' -Confirm:$false
        (Get-ApiKey -Account desk -Status Disabled).Name | Sort-Object | Should -Be @('bot-b', 'bot-c')
        Get-ApiKey -Account desk -Status Disabled | Remove-ApiKey -Code (Get-Code desk) -Confirm:$false
        @(Get-ApiKey -Account desk) | Should -HaveCount 3
        (Get-ApiKey -Account desk -Status Deleted).Name | Sort-Object | Should -Be @('bot-b', 'bot-c')
    }

    It 'wrote every step to an intact audit chain, without the secret' {
        $actions = Get-ApiKeyAuditLog -KeyId $key.KeyId -Oldest | ForEach-Object Action
        $actions | Should -Contain 'ApiKey.Create'
        $actions | Should -Contain 'ApiKey.Update'
        $actions | Should -Contain 'ApiKey.Disable'
        $actions | Should -Contain 'ApiKey.Enable'
        @(Get-ApiKeyAuditLog -Action ApiKey.Remove -Account desk) | Should -HaveCount 2
        $secret = $credential.GetNetworkCredential().Password
        Get-ApiKeyAuditLog -Oldest | ConvertTo-Json -Depth 3 | Should -Not -Match ([regex]::Escape($secret))
        (Test-ApiKeyAuditLog).IsIntact | Should -BeTrue
    }

    It 'fails at once without -Code in a non-interactive session' {
        $script = "Import-Module '$ModuleManifest'; Connect-KeyAdminStore -Path '$StorePath'; try { New-ApiKey -Account desk -Name bot-x -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        $result = & $Pwsh -NoProfile -NonInteractive -Command $script
        $result | Should -Be 'KeyAdmin.TwoFactorCodeRequired,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'
    }
}
