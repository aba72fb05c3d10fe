#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Pipeline binding as administrators use it: key ids by value, keys from Get-ApiKey as -InputObject, rows of a CSV
# and findings by property name, and one failing item that does not stop the others.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $null = New-TestAccount desk
    $null = New-TestAccount ops
}

AfterAll {
    Remove-TestStore
}

Describe 'Pipeline binding' {
    It 'creates keys from the rows of a CSV, binding Account, Name, Permission, IpAddress and Memo by property name' {
        $csv = @'
Account,Name,Permission,IpAddress,Memo
desk,bot-a,Trade,203.0.113.7,Server A
desk,bot-b,Trade,203.0.113.8,Server B
'@
        # A row without an IpAddress property: an unbound key (an empty CSV cell would be an address that does not parse).
        $rows = @($csv | ConvertFrom-Csv) + [pscustomobject]@{ Account = 'desk'; Name = 'bot-c'; Permission = 'Read'; Memo = 'Reporting' }
        $created = $rows | New-ApiKey -Code (Get-Code desk) -WarningAction SilentlyContinue
        $created | Should -HaveCount 3
        $bot = Get-ApiKey -Account desk -Name bot-b
        $bot.Permissions.ToString() | Should -Be 'Read, Trade'
        $bot.IpAddresses | Should -Be @('203.0.113.8')
        $bot.Memo | Should -Be 'Server B'
        $script:credentials = @{}
        $created | ForEach-Object { $credentials[$_.Name] = [pscredential]::new($_.KeyId, $_.Secret) }
    }

    It 'binds keys from Get-ApiKey to -InputObject, with wildcards choosing exactly the matching keys' {
        $disabled = Get-ApiKey -Account desk -Name bot-[ab] | Disable-ApiKey -Reason 'pipeline' -Confirm:$false -PassThru
        $disabled.Name | Sort-Object | Should -Be @('bot-a', 'bot-b')
        (Get-ApiKey -Account desk -Name bot-c).Status | Should -Be 'Enabled'
    }

    It 'binds plain key ids by value' {
        $ids = (Get-ApiKey -Account desk -Name bot-[ab]).KeyId
        $enabled = $ids | Enable-ApiKey -Code (Get-Code desk) -PassThru
        @($enabled | ForEach-Object { "$($_.Status)" }) | Should -Be @('Enabled', 'Enabled')
    }

    It 'binds any object with a KeyId property by property name, such as a compliance finding' {
        $findings = @(Test-ApiKeyCompliance -Account desk -Rule Unbound)
        $findings.KeyName | Should -Be @('bot-c')
        $findings | Disable-ApiKey -Reason 'unbound' -Confirm:$false
        (Get-ApiKey -Account desk -Name bot-c).Status | Should -Be 'Disabled'
    }

    It 'goes on with the next item when one fails, and reports that one as a non-terminating KeyAdmin.KeyNotFound' {
        $ids = @((Get-ApiKey -Account desk -Name bot-a).KeyId, 'kak_0000000000000000000000000000', (Get-ApiKey -Account desk -Name bot-b).KeyId)
        $done = $ids | Disable-ApiKey -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable failures
        $done | Should -HaveCount 2
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'KeyAdmin.KeyNotFound,KeyAdmin.Cmdlets.Keys.DisableApiKeyCommand'
        $failures[0].TargetObject | Should -Be 'kak_0000000000000000000000000000'
    }

    It 'verifies the lines of a proxy log by property name, with RemoteAddress as an alias of -IpAddress' {
        $null = Get-ApiKey -Account desk -Name bot-[ab] | Enable-ApiKey -Code (Get-Code desk)
        Disable-ApiKey -Account desk -Name bot-b -Confirm:$false
        $log = 'bot-a', 'bot-b' | ForEach-Object {
            $h = New-ApiKeySignature -Credential $credentials[$_] -Method GET -Path '/api/v1/accounts'
            [pscustomobject]@{ KeyId = $h['KA-API-KEY']; Timestamp = $h['KA-API-TIMESTAMP']; Signature = $h['KA-API-SIGN']; Method = 'GET'; Path = '/api/v1/accounts'; RemoteAddress = '203.0.113.7' }
        }
        $results = $log | ConvertTo-Csv | ConvertFrom-Csv | Test-ApiKey
        @($results | ForEach-Object { "$($_.Reason)" }) | Should -Be @('Accepted', 'Disabled')
    }

    It 'pipes accounts into their authenticators, and automation authenticators into Unregister' {
        $null = Register-KeyAdminAuthenticator -Account ops -Name report-job -Code (Get-Code ops) -WarningAction SilentlyContinue
        (Get-KeyAdminAccount -Name ops | Get-KeyAdminAuthenticator).Name | Sort-Object | Should -Be @('primary', 'report-job')
        Get-KeyAdminAuthenticator -Account ops | Where-Object Kind -eq Automation | Unregister-KeyAdminAuthenticator -Confirm:$false
        (Get-KeyAdminAuthenticator -Account ops).Name | Should -Be 'primary'
    }

    It 'pipes a key into its own audit history' {
        $history = Get-ApiKey -Account desk -Name bot-a | Get-ApiKeyAuditLog -Oldest
        $history[0].Action | Should -Be 'ApiKey.Create'
        $history.KeyId | Select-Object -Unique | Should -Be (Get-ApiKey -Account desk -Name bot-a).KeyId
    }

    It 'pipes an account into its keys, its findings and its audit records' {
        $deskKeys = @(Get-ApiKey -Account desk).KeyId | Sort-Object
        @(Get-KeyAdminAccount desk | Get-ApiKey).KeyId | Sort-Object | Should -Be $deskKeys
        @(Get-KeyAdminAccount desk | Test-ApiKeyCompliance -Rule Unused -UnusedDays 0).Account | Sort-Object -Unique | Should -Be 'desk'
        @(Get-KeyAdminAccount ops | Get-ApiKeyAuditLog).AccountName | Sort-Object -Unique | Should -Be 'ops'
    }

    It 'takes key ids by value and at position 0 in Get-ApiKey, as Disable-ApiKey does' {
        $id = (Get-ApiKey -Account desk -Name bot-a).KeyId
        ($id | Get-ApiKey).Name | Should -Be 'bot-a'
        (Get-ApiKey $id).Name | Should -Be 'bot-a'
        (Get-Command Get-ApiKey).Parameters['KeyId'].Attributes.Where({ $_ -is [Parameter] }).Position | Should -Contain 0
        (Get-Command Disable-ApiKey).Parameters['KeyId'].Attributes.Where({ $_ -is [Parameter] }).Position | Should -Contain 0
    }

    It 'gets the one key an object with a KeyId names, even when it names its account too' {
        $finding = Test-ApiKeyCompliance -Account desk | Where-Object KeyId | Select-Object -First 1
        @($finding | Get-ApiKey).KeyId | Should -Be @($finding.KeyId)
    }

    It 'reports an unknown account as a non-terminating error that -ErrorAction controls' {
        $keys = Get-ApiKey -Account nobody -ErrorAction SilentlyContinue -ErrorVariable failed
        $after = 'the statement went on'
        $keys | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -Be 'KeyAdmin.AccountNotFound,KeyAdmin.Cmdlets.Keys.GetApiKeyCommand'
        $after | Should -Be 'the statement went on'
    }

    It 'relabels keys from the rows of a CSV, binding KeyId, NewName and Memo by property name' {
        $a = Get-ApiKey -Account desk -Name bot-a
        $rows = "KeyId,NewName,Memo`n$($a.KeyId),bot-alpha,Relabelled from a CSV" | ConvertFrom-Csv
        $rows | Set-ApiKey
        $changed = Get-ApiKey -KeyId $a.KeyId
        ($changed.Name, $changed.Memo) | Should -Be @('bot-alpha', 'Relabelled from a CSV')
    }

    It 'completes audit actions and automation authenticator names' {
        $null = Register-KeyAdminAuthenticator -Account ops -Name audit-job -Code (Get-Code ops) -WarningAction SilentlyContinue
        $line = 'Get-ApiKeyAuditLog -Action ApiKey.Cr'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain 'ApiKey.Create'
        $line = 'Unregister-KeyAdminAuthenticator -Account ops -Name au'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('audit-job')
        Unregister-KeyAdminAuthenticator -Account ops -Name audit-job -Force
    }

    It 'offers, as audit actions to complete, every action the log holds' {
        # Issue 13's actions too: the store administrator, renewed recovery codes, a reset cancelled by the old phone.
        $null = New-TestStoreAdministrator
        $null = New-KeyAdminRecoveryCode -Account ops -Code (Get-Code ops)
        $null = Reset-KeyAdminAuthenticator -Account ops -Reason 'claimed lost' -Force
        Stop-KeyAdminAuthenticatorReset -Account ops -Code (Get-Code ops)
        $line = 'Get-ApiKeyAuditLog -Action '
        $known = @((TabExpansion2 $line $line.Length).CompletionMatches.CompletionText)
        Get-ApiKeyAuditLog | ForEach-Object Action | Sort-Object -Unique | ForEach-Object { $known | Should -Contain $_ }
    }
}
