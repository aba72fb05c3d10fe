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
        $authenticator = Get-KeyAdminAuthenticator -Account desk | ConvertTo-Json | ConvertFrom-Json
        ($authenticator.Kind, $authenticator.Status) | Should -Be @('Primary', 'Active')
        $chain = Test-ApiKeyAuditLog | ConvertTo-Json | ConvertFrom-Json
        $chain.IsIntact | Should -BeTrue
    }

    It 'never writes an enum as a number, whatever the command' {
        $objects = @(
            Get-ApiKey; Get-KeyAdminAccount; Get-KeyAdminAuthenticator -Account desk; Get-ApiKeyAuditLog -Last 5
            Test-ApiKeyCompliance; Test-ApiKeyAuditLog; Test-ApiKey -Credential $credential; Get-KeyAdminStore
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
