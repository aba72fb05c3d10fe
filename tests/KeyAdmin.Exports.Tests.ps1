#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Output objects export well as they are: ConvertTo-Json and Export-Csv show words (never an enum's number, never
# "System.String[]"), the default views keep ids whole and times in ISO form at 80 and 120 columns, and every type a
# cmdlet outputs or takes can be named in a script, though the core lives in a private load context.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $null = New-TestAccount desk
    $script:key = New-ApiKey -Account desk -Name bot-a -Permission Trade, Withdraw -IpAddress 203.0.113.7, 198.51.100.0/24 -Memo 'Bot Trading – Server A' -ExpiresIn 90 -Code (Get-Code desk) -WarningAction SilentlyContinue
    $script:reader = New-ApiKey -Account desk -Name reporting -Code (Get-Code desk) -WarningAction SilentlyContinue
    $script:credential = [pscredential]::new($key.KeyId, $key.Secret)
    # Issue 13's objects: the store administrator, a job with a scope, and a reset of ops cooling off (RecoveryPending).
    $script:administrator = New-TestStoreAdministrator
    $script:job = Register-KeyAdminAuthenticator -Account desk -Name rotation-job -Scope CreateKey, RotateKey, DisableKey, EnableKey, RemoveKey, SetKeyBinding -Code (Get-Code desk) -WarningAction SilentlyContinue
    $null = New-TestAccount ops
    $script:reset = Reset-KeyAdminAuthenticator -Account ops -Reason 'claimed lost' -Force
    $script:renewed = New-KeyAdminRecoveryCode -Account desk -Code (Get-Code desk)
}

AfterAll {
    Remove-TestStore
}

Describe 'ConvertTo-Json and Export-Csv' {
    It 'writes a key''s status, permissions and binding as words' {
        $json = Get-ApiKey -KeyId $key.KeyId | ConvertTo-Json | ConvertFrom-Json
        $json.Status | Should -BeExactly 'Enabled'
        $json.Permissions | Should -Be @('Read', 'Trade', 'Withdraw')
        $json.IpAddresses | Should -Be @('203.0.113.7', '198.51.100.0/24')

        $row = Get-ApiKey -KeyId $key.KeyId | ConvertTo-Csv | ConvertFrom-Csv
        $row.Status | Should -BeExactly 'Enabled'
        $row.Permissions | Should -BeExactly 'Read, Trade, Withdraw'
        $row.IpAddresses | Should -BeExactly '203.0.113.7, 198.51.100.0/24'
    }

    It 'writes findings, audit records, verification results, authenticators and rotations with words' {
        (Test-ApiKeyCompliance -Rule Unbound | ConvertTo-Json | ConvertFrom-Json).Severity | Should -BeExactly 'Low'
        (Test-ApiKeyCompliance -Rule Unbound | ConvertTo-Json | ConvertFrom-Json).Rule | Should -BeExactly 'Unbound'
        (Get-ApiKeyAuditLog -Last 1 | ConvertTo-Json | ConvertFrom-Json).Outcome | Should -BeExactly 'Succeeded'
        (Test-ApiKey -Credential $credential | ConvertTo-Json | ConvertFrom-Json).Reason | Should -BeExactly 'Accepted'
        $authenticator = Get-KeyAdminAuthenticator -Account desk | Where-Object Name -eq primary | ConvertTo-Json | ConvertFrom-Json
        ($authenticator.Kind, $authenticator.Status) | Should -Be @('Primary', 'Active')
        $chain = Test-ApiKeyAuditLog | ConvertTo-Json | ConvertFrom-Json
        $chain.IsIntact | Should -BeTrue
        $pending = Test-ApiKeyCompliance -Rule RecoveryPending | ConvertTo-Json | ConvertFrom-Json
        ($pending.Rule, $pending.Severity, $pending.Account) | Should -Be @('RecoveryPending', 'High', 'ops')
    }

    It 'writes an authenticator''s scope as a list in JSON and as words in a CSV' {
        $json = Get-KeyAdminAuthenticator -Account desk | ConvertTo-Json | ConvertFrom-Json
        ($json | Where-Object Name -eq 'primary').Scope | Should -Be @('All')
        ($json | Where-Object Name -eq 'rotation-job').Scope | Should -Be @('CreateKey', 'RotateKey', 'DisableKey', 'EnableKey', 'RemoveKey', 'SetKeyBinding')

        $rows = Get-KeyAdminAuthenticator -Account desk | ConvertTo-Csv | ConvertFrom-Csv
        ($rows | Where-Object Name -eq 'rotation-job').Scope | Should -BeExactly 'CreateKey, RotateKey, DisableKey, EnableKey, RemoveKey, SetKeyBinding'
        ($rows | Where-Object Name -eq 'rotation-job').Kind | Should -BeExactly 'Automation'
        (Get-KeyAdminAuthenticator -Account desk | Where-Object Name -eq 'rotation-job').Scope | Should -Contain 'RemoveKey'
    }

    It 'writes enrolments and recovery codes with words, and none of their secrets' {
        $json = $job | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        ($json.Kind, $json.Status) | Should -Be @('Automation', 'Active')
        $json.Scope | Should -HaveCount 6
        $json = $reset | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        ($json.Account, $json.Kind, $json.Status) | Should -Be @('ops', 'Primary', 'Pending')
        $json.CoolingOffUntil | Should -Not -BeNullOrEmpty
        $text = ($administrator, $reset, $renewed | ConvertTo-Json -Depth 3) + ($administrator, $reset, $renewed | ConvertTo-Csv | Out-String)
        $text | Should -Not -Match ([regex]::Escape((ConvertFrom-SecureString $administrator.Secret -AsPlainText)))
        foreach ($code in @($administrator.RecoveryCodes) + @($renewed.RecoveryCodes)) { $text | Should -Not -Match ([regex]::Escape((ConvertFrom-SecureString $code -AsPlainText))) }
        $text | Should -Not -Match 'otpauth://'
    }

    It 'never writes an enum as a number, whatever the command' {
        $objects = @(
            Get-ApiKey; Get-KeyAdminAccount; Get-KeyAdminAuthenticator -Account desk; Get-ApiKeyAuditLog -Last 5
            Test-ApiKeyCompliance; Test-ApiKeyAuditLog; Test-ApiKey -Credential $credential; Get-KeyAdminStore
            Get-KeyAdminAuthenticator -StoreAdministrator; $administrator; $job; $reset; $renewed
        )
        foreach ($object in $objects) {
            foreach ($property in $object.PSObject.Properties) {
                $property.Value -is [enum] | Should -BeFalse -Because "$($object.GetType().Name).$($property.Name) would be a number in JSON"
            }
        }
    }
}

Describe 'Type names' {
    It 'resolves, from a script, every type a cmdlet outputs' {
        foreach ($command in Get-Command -Module KeyAdmin -CommandType Cmdlet) {
            foreach ($type in $command.OutputType) {
                if ($type.Name -ne 'System.Void') {
                    ($type.Name -as [type]) | Should -Not -BeNullOrEmpty -Because "$($command.Name) outputs $($type.Name)"
                }
            }
        }
    }

    It 'resolves, from a script, every type a parameter takes' {
        foreach ($command in Get-Command -Module KeyAdmin -CommandType Cmdlet) {
            foreach ($parameter in $command.Parameters.Values) {
                $type = $parameter.ParameterType
                if ($type.IsArray) { $type = $type.GetElementType() }
                $type = [Nullable]::GetUnderlyingType($type) ?? $type
                ($type.FullName -as [type]) | Should -Not -BeNullOrEmpty -Because "$($command.Name) -$($parameter.Name) takes $($type.FullName)"
            }
        }
    }

    It 'lets a script compare severities and list permissions by their type names' {
        @(Test-ApiKeyCompliance | Where-Object { [KeyAdmin.Core.Compliance.ComplianceSeverity]$_.Severity -ge 'Low' }).Count | Should -BeGreaterThan 0
        [enum]::GetNames([KeyAdmin.Core.Keys.ApiKeyPermission]) | Should -Contain 'Withdraw'
        (Get-ApiKey -KeyId $key.KeyId) | Should -BeOfType ([KeyAdmin.ApiKeyInfo])
    }
}

Describe 'Default views' {
    It 'shows the key id whole and the expiry in ISO form at <Width> columns' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
        $text = Get-ApiKey -Account desk | Out-String -Width $Width
        $text | Should -Match ([regex]::Escape($key.KeyId))
        $text | Should -Match ([regex]::Escape($reader.KeyId))
        $text | Should -Match 'desk/bot-a\s+Enabled\s+Withdraw,Trade,Read'
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual $Width }
        if ($Width -ge 120) { $text | Should -Match ([regex]::Escape($key.ExpiresAt.UtcDateTime.ToString('yyyy-MM-ddTHH:mm') + 'Z')) }
    }

    It 'shows authenticators under their account, with kind, status and the whole scope at 80 columns, and when each was confirmed at 120' {
        $text80 = Get-KeyAdminAuthenticator -Account desk | Out-String -Width 80
        $text80 | Should -Match 'Account: desk'
        $text80 | Should -Match 'primary\s+Primary\s+Active\s+All'
        # The widest scope is packed into lines of whole words: nothing of it is cut, and nothing half shown beside it.
        $text80 | Should -Match 'rotation-job\s+Automation\s+Active\s+CreateKey, RotateKey, DisableKey,\s*\n\s+EnableKey, RemoveKey, SetKeyBinding\s*\n'
        $text80 | Should -Not -Match 'ConfirmedAt|…'
        foreach ($line in $text80 -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 79 }

        $primary = Get-KeyAdminAuthenticator -Account desk | Where-Object Name -eq primary
        $text120 = Get-KeyAdminAuthenticator -Account desk | Out-String -Width 120
        $text120 | Should -Match ('primary\s+Primary\s+Active\s+All\s+' + [regex]::Escape($primary.ConfirmedAt.UtcDateTime.ToString('yyyy-MM-ddTHH:mm') + 'Z'))
        $text120 | Should -Not -Match '…'
        foreach ($line in $text120 -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 119 }
    }

    It 'shows an account whose reset cools off as Recovering, and until when, at 80 columns' {
        $ops = Get-KeyAdminAccount -Name ops
        $ops.TwoFactor | Should -Be 'Recovering'
        $until = [regex]::Escape($ops.RecoveryPendingUntil.UtcDateTime.ToString('yyyy-MM-ddTHH:mm') + 'Z')
        $text80 = Get-KeyAdminAccount -Name ops | Out-String -Width 80
        $text80 | Should -Match "ops\s+0/5\s+Recovering\s+$until"
        $text80 | Should -Not -Match 'CreatedAt|…'
        Get-KeyAdminAccount -Name ops | Out-String -Width 120 | Should -Match "Recovering\s+$until\s+\S+Z\s+ops@example.com"
    }

    It 'shows audit times to the second, in UTC, at 80 columns' {
        $entry = Get-ApiKeyAuditLog -Last 1
        Get-ApiKeyAuditLog -Last 1 | Out-String -Width 80 | Should -Match ([regex]::Escape($entry.At.UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ss') + 'Z'))
    }

    It 'wraps a compliance message instead of cutting it' {
        $finding = Test-ApiKeyCompliance -Rule Unbound
        $text = (Test-ApiKeyCompliance -Rule Unbound | Out-String -Width 80) -replace '\s+', ''
        $text | Should -Match ([regex]::Escape(($finding.Message -replace '\s+', '')))
    }
}
