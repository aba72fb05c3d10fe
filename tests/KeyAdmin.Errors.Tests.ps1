#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Every refusal is an error record a script can match: a stable, fully qualified error id (KeyAdmin.<Code>,
# then the cmdlet's type), the right category, and the offending value (never a secret) as its target. Checked
# as a script sees them, with -ErrorAction Stop and catch.

BeforeDiscovery {
    $unknownKey = 'kak_0000000000000000000000000000'
    # Each case: the command, its fully qualified error id, its category and its target ('' for "not checked").
    # Cases that fail before a code is checked pass '000000': a change that cannot happen costs no code.
    $script:cases = @(
        @{ Name = 'an unknown key id'; Command = "Get-ApiKey -KeyId $unknownKey"; Id = 'KeyAdmin.KeyNotFound,KeyAdmin.Cmdlets.Keys.GetApiKeyCommand'; Category = 'ObjectNotFound'; Target = $unknownKey }
        @{ Name = 'an unknown key name'; Command = 'Disable-ApiKey -Account desk -Name bot-zz -Confirm:$false'; Id = 'KeyAdmin.KeyNotFound,KeyAdmin.Cmdlets.Keys.DisableApiKeyCommand'; Category = 'ObjectNotFound'; Target = 'bot-zz' }
        @{ Name = 'an unknown account'; Command = 'Get-KeyAdminAccount -Name nobody'; Id = 'KeyAdmin.AccountNotFound,KeyAdmin.Cmdlets.Accounts.GetKeyAdminAccountCommand'; Category = 'ObjectNotFound'; Target = 'nobody' }
        @{ Name = 'a taken account name'; Command = 'New-KeyAdminAccount -Name desk -Email desk@example.com'; Id = 'KeyAdmin.AccountExists,KeyAdmin.Cmdlets.Accounts.NewKeyAdminAccountCommand'; Category = 'ResourceExists'; Target = 'desk' }
        @{ Name = 'a malformed e-mail'; Command = 'New-KeyAdminAccount -Name ops -Email not-an-address'; Id = 'KeyAdmin.InvalidEmail,KeyAdmin.Cmdlets.Accounts.NewKeyAdminAccountCommand'; Category = 'InvalidArgument'; Target = 'not-an-address' }
        @{ Name = 'a taken key name'; Command = 'New-ApiKey -Account desk -Name bot-a -Code 000000'; Id = 'KeyAdmin.KeyNameExists,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'ResourceExists'; Target = 'bot-a' }
        @{ Name = 'Withdraw without an IP binding'; Command = 'New-ApiKey -Account desk -Name payouts -Permission Withdraw -Code 000000'; Id = 'KeyAdmin.UnboundSensitivePermission,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'PermissionDenied'; Target = '' }
        @{ Name = 'an address that does not parse'; Command = 'New-ApiKey -Account desk -Name bot-x -IpAddress 300.1.2.3 -Code 000000'; Id = 'KeyAdmin.InvalidIpAddress,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'InvalidArgument'; Target = '300.1.2.3' }
        @{ Name = '21 addresses'; Command = 'New-ApiKey -Account desk -Name bot-x -IpAddress (1..21 | ForEach-Object { "203.0.113.$_" }) -Code 000000'; Id = 'KeyAdmin.TooManyIpAddresses,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'LimitsExceeded'; Target = '' }
        @{ Name = 'an expiry in the past'; Command = 'New-ApiKey -Account desk -Name bot-x -ExpiresAt ([DateTimeOffset]::UtcNow.AddDays(-1)) -Code 000000'; Id = 'KeyAdmin.ExpiryInPast,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'InvalidArgument'; Target = '' }
        @{ Name = 'two expiries'; Command = 'New-ApiKey -Account desk -Name bot-x -ExpiresIn 90 -ExpiresAt ([DateTimeOffset]::UtcNow.AddDays(10)) -Code 000000'; Id = 'KeyAdmin.InvalidExpiry,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'InvalidArgument'; Target = '' }
        @{ Name = 'an expiry PowerShell does not offer'; Command = 'New-ApiKey -Account desk -Name bot-x -ExpiresIn 45 -Code 000000'; Id = 'ParameterArgumentValidationError,KeyAdmin.Cmdlets.Keys.NewApiKeyCommand'; Category = 'InvalidData'; Target = '' }
        @{ Name = 'a permission change'; Command = 'Set-ApiKey -Account desk -Name bot-a -Permission Withdraw'; Id = 'KeyAdmin.PermissionsImmutable,KeyAdmin.Cmdlets.Keys.SetApiKeyCommand'; Category = 'PermissionDenied'; Target = 'Withdraw' }
        @{ Name = 'deleting an enabled key'; Command = 'Remove-ApiKey -Account desk -Name bot-a -Code 000000 -Confirm:$false'; Id = 'KeyAdmin.KeyNotDisabled,KeyAdmin.Cmdlets.Keys.RemoveApiKeyCommand'; Category = 'InvalidOperation'; Target = '' }
        @{ Name = 'removing an account that holds keys'; Command = 'Remove-KeyAdminAccount -Name desk -Confirm:$false'; Id = 'KeyAdmin.AccountHasKeys,KeyAdmin.Cmdlets.Accounts.RemoveKeyAdminAccountCommand'; Category = 'InvalidOperation'; Target = 'desk' }
        @{ Name = 'a code that is not six digits'; Command = 'Enable-ApiKey -Account desk -Name bot-off -Code 12ab56'; Id = 'KeyAdmin.TwoFactorCodeMalformed,KeyAdmin.Cmdlets.Keys.EnableApiKeyCommand'; Category = 'InvalidArgument'; Target = '' }
        @{ Name = 'an unknown rotation'; Command = 'Resume-ApiKeyRotation -RotationId 0123456789abcdef0123456789abcdef -Confirm:$false'; Id = 'KeyAdmin.RotationNotFound,KeyAdmin.Cmdlets.Rotation.ResumeApiKeyRotationCommand'; Category = 'ObjectNotFound'; Target = '0123456789abcdef0123456789abcdef' }
        @{ Name = 'findings at -FailOn'; Command = 'Test-ApiKeyCompliance -FailOn Low'; Id = 'KeyAdmin.ComplianceFailed,KeyAdmin.Cmdlets.Compliance.TestApiKeyComplianceCommand'; Category = 'InvalidResult'; Target = 'Low' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $null = New-TestAccount desk
    $null = @(
        [pscustomobject]@{ Account = 'desk'; Name = 'bot-a'; Permission = 'Trade'; IpAddress = '203.0.113.7' }
        [pscustomobject]@{ Account = 'desk'; Name = 'bot-off'; Permission = 'Read' }
        [pscustomobject]@{ Account = 'desk'; Name = 'reader'; Permission = 'Read' }
    ) | New-ApiKey -Code (Get-Code desk) -WarningAction SilentlyContinue
    Disable-ApiKey -Account desk -Name bot-off -Confirm:$false
}

AfterAll {
    Remove-TestStore
}

Describe 'Error records' {
    It 'refuses <Name> with <Id>' -ForEach $cases {
        $e = Get-CommandError ([scriptblock]::Create($Command))

        $e.FullyQualifiedErrorId | Should -Be $Id
        $e.CategoryInfo.Category | Should -Be $Category
        if ($Target) { "$($e.TargetObject)" | Should -Be $Target }
        @(Get-ApiKey -Account desk) | Should -HaveCount 3 -Because 'a refused command leaves the keys as they were'
    }

    It 'refuses a wrong code with KeyAdmin.TwoFactorCodeInvalid and audits the attempt without the code' {
        $wrong = $Seeds['desk'] | Get-KeyAdminTotpCode -At (Get-Date).AddHours(-1)
        $e = Get-CommandError { Enable-ApiKey -Account desk -Name bot-off -Code $wrong }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.TwoFactorCodeInvalid,KeyAdmin.Cmdlets.Keys.EnableApiKeyCommand'
        $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $refused = Get-ApiKeyAuditLog -Account desk -Outcome Refused -Last 1
        $refused | Should -Not -BeNullOrEmpty
        $refused | ConvertTo-Json | Should -Not -Match $wrong
        (Get-ApiKey -Account desk -Name bot-off).Status | Should -Be 'Disabled'
    }

    It 'refuses a code used twice with KeyAdmin.TwoFactorCodeReplayed' {
        $code = Get-Code desk
        Set-ApiKey -Account desk -Name bot-a -AddIpAddress 203.0.113.8 -Code $code
        $e = Get-CommandError { Set-ApiKey -Account desk -Name bot-a -AddIpAddress 203.0.113.9 -Code $code }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.TwoFactorCodeReplayed,KeyAdmin.Cmdlets.Keys.SetApiKeyCommand'
        (Get-ApiKey -Account desk -Name bot-a).IpAddresses | Should -Not -Contain '203.0.113.9'
    }

    It 'ends a command whose store is corrupt with KeyAdmin.StoreCorrupt, and stays on the store it had' {
        $corrupt = Join-Path $TestFolder 'corrupt.db'
        [IO.File]::WriteAllBytes($corrupt, [byte[]](1..8192 | ForEach-Object { $_ % 251 }))
        # Owner-only, as a store must be: otherwise the file is refused as unsafe before it is read at all.
        if (-not $IsWindows) { [IO.File]::SetUnixFileMode($corrupt, [IO.UnixFileMode]'UserRead, UserWrite') }
        $e = Get-CommandError { Connect-KeyAdminStore -Path $corrupt }
        $e.FullyQualifiedErrorId | Should -Be 'KeyAdmin.StoreCorrupt,KeyAdmin.Cmdlets.Stores.ConnectKeyAdminStoreCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        (Get-KeyAdminStore).Location | Should -Be $StorePath
    }

    It 'tells what to do next, in the error details' {
        $e = Get-CommandError { Remove-ApiKey -Account desk -Name bot-a -Code 000000 -Confirm:$false }
        $e.ErrorDetails.RecommendedAction | Should -Match 'Disable-ApiKey'
    }
}
