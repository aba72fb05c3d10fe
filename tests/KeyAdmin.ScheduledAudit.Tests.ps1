#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# examples/scheduled-audit/audit.ps1 exactly as a scheduler runs it: `pwsh -NoProfile -NonInteractive -File`, with
# KeyAdmin found on $env:PSModulePath (here the built out/ folder), against a throw-away store. Checks the CSV and
# JSON reports and the exit codes the README promises: 0 clean, 2 findings at -FailOn or worse, 3 the chain broken,
# 1 the audit failed.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $script:auditScript = [IO.Path]::Combine($PSScriptRoot, '..', 'examples', 'scheduled-audit', 'audit.ps1')

    # desk: a Withdraw key without an IP binding, allowed by override (a High finding), and a bound Trade key.
    $null = New-TestAccount desk
    $null = New-ApiKey -Account desk -Name payouts -Permission Withdraw -AllowUnboundSensitive -Memo 'legacy payouts' -Code (Get-Code desk) -WarningAction SilentlyContinue
    $null = New-ApiKey -Account desk -Name bot-a -Permission Trade -IpAddress 203.0.113.7 -Code (Get-Code desk) -WarningAction SilentlyContinue

    # Runs the audit in a new pwsh as a scheduler would: no profile, no prompts, stdin at EOF, KeyAdmin on the module path.
    function script:Invoke-Audit([string] $Store, [string] $Reports, [string] $FailOn = 'High') {
        Invoke-TestScript $auditScript -Arguments '-ReportFolder', $Reports, '-StorePath', $Store, '-FailOn', $FailOn -TimeoutSeconds 120
    }

    # As whoever writes the file can, with the sqlite3 shell and without the key-encryption key: $Create makes $Helper,
    # $Index gets its b-tree (root pages swapped under writable_schema, the schema's text and the tables unchanged),
    # and $Drop frees the b-tree $Helper now names. Returns the shell's last exit code.
    function script:Set-AttackerBTree([string] $Index, [string] $Helper, [string] $Create, [string] $Drop) {
        & sqlite3 $StorePath $Create
        $original = & sqlite3 $StorePath "SELECT rootpage FROM sqlite_schema WHERE name = '$Index'"
        $other = & sqlite3 $StorePath "SELECT rootpage FROM sqlite_schema WHERE name = '$Helper'"
        & sqlite3 $StorePath "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET rootpage = $other WHERE name = '$Index'; UPDATE sqlite_schema SET rootpage = $original WHERE name = '$Helper'; PRAGMA writable_schema = OFF"
        & sqlite3 $StorePath $Drop
        $LASTEXITCODE
    }
}

AfterAll {
    Remove-TestStore
}

Describe 'The scheduled audit script' {
    It 'writes every finding to a CSV and a JSON report and exits 2 when a finding is High' {
        $reports = Join-Path $TestFolder 'reports-high'
        $run = Invoke-Audit -Store $StorePath -Reports $reports -FailOn High

        $run.ExitCode | Should -Be 2 -Because $run.Errors
        $run.Output | Should -Match 'chain intact'
        $csv = @(Get-ChildItem -Path $reports -Filter 'keyadmin-audit-*.csv')
        $json = @(Get-ChildItem -Path $reports -Filter 'keyadmin-audit-*.json')
        $csv | Should -HaveCount 1
        $json | Should -HaveCount 1

        $rows = @(Import-Csv -Path $csv[0].FullName)
        $high = @($rows | Where-Object { $_.Rule -eq 'UnboundSensitive' })
        $high | Should -HaveCount 1
        $high[0].Severity | Should -Be 'High'
        $high[0].KeyName | Should -Be 'payouts'
        $high[0].Account | Should -Be 'desk'
        $rows.KeyName | Should -Not -Contain 'bot-a' -Because 'a bound Trade key that is new and used by nobody yet is not a finding'

        $report = Get-Content -Raw -Path $json[0].FullName | ConvertFrom-Json
        $report.Store | Should -Be $StorePath
        $report.AuditChain.IsIntact | Should -BeTrue
        @($report.Findings) | Should -HaveCount $rows.Count
        $report.RanAt | Should -Not -BeNullOrEmpty
    }

    It 'exits 0 when no finding reaches -FailOn, and still writes the reports' {
        Disable-ApiKey -Account desk -Name payouts -Confirm:$false
        $null = Remove-ApiKey -Account desk -Name payouts -Code (Get-Code desk) -Confirm:$false
        $reports = Join-Path $TestFolder 'reports-clean'

        $run = Invoke-Audit -Store $StorePath -Reports $reports -FailOn High

        $run.ExitCode | Should -Be 0 -Because $run.Errors
        @(Get-ChildItem -Path $reports -Filter 'keyadmin-audit-*.csv') | Should -HaveCount 1
        (Get-Content -Raw -Path (Get-ChildItem -Path $reports -Filter 'keyadmin-audit-*.json').FullName | ConvertFrom-Json).AuditChain.IsIntact | Should -BeTrue
    }

    It 'exits 1 and says why when the store cannot be audited' {
        $corrupt = Join-Path $TestFolder 'corrupt.db'
        [IO.File]::WriteAllBytes($corrupt, [byte[]](1..8192 | ForEach-Object { $_ % 251 }))

        $run = Invoke-Audit -Store $corrupt -Reports (Join-Path $TestFolder 'reports-failed')

        $run.ExitCode | Should -Be 1
        $run.Errors | Should -Match 'KeyAdmin audit failed'
    }

    It 'exits 1 against a mistyped store, and creates neither a store nor a key file there' {
        $typo = Join-Path $TestFolder 'typo' 'keyadimn.db'

        $run = Invoke-Audit -Store $typo -Reports (Join-Path $TestFolder 'reports-typo')

        $run.ExitCode | Should -Be 1 -Because 'an audit of a store that is not there must not report "0 findings"'
        $run.Errors | Should -Match 'KeyAdmin audit failed: There is no KeyAdmin store'
        Test-Path (Join-Path $TestFolder 'typo') | Should -BeFalse
    }

    It 'names a working key left out of the index the listing reads, in Get-ApiKey and in its report, and exits 3' {
        # Whoever writes the file, without the key-encryption key, gives the account index the b-tree of a partial
        # index without one key (root pages swapped under writable_schema): the key is still found by its id.
        $hidden = Get-ApiKey -Account desk -Name bot-a
        Set-AttackerBTree -Index ix_api_keys_account -Helper attacker_partial -Drop 'DROP INDEX attacker_partial' `
            -Create "CREATE INDEX attacker_partial ON api_keys(account_id, status) WHERE key_id <> '$($hidden.KeyId)'" | Should -Be 0
        (Get-ApiKey -KeyId $hidden.KeyId).Name | Should -Be 'bot-a' -Because 'the lookup by id reads the primary key, which still holds the key'

        $listed = @(Get-ApiKey -ErrorAction SilentlyContinue -ErrorVariable listingErrors)
        $run = Invoke-Audit -Store $StorePath -Reports (Join-Path $TestFolder 'reports-hidden') -FailOn High

        $listed.KeyId | Should -Not -Contain $hidden.KeyId
        $listingErrors | Should -HaveCount 1
        $listingErrors[0].FullyQualifiedErrorId | Should -BeLike 'KeyAdmin.StoreTampered,*'
        $listingErrors[0].Exception.Message | Should -BeLike "*'$($hidden.KeyId)'*missing from Get-ApiKey*"
        $run.ExitCode | Should -Be 3 -Because 'the audit check names the index whose b-tree was swapped'
        $rows = @(Import-Csv -Path (Get-ChildItem -Path (Join-Path $TestFolder 'reports-hidden') -Filter 'keyadmin-audit-*.csv').FullName)
        @($rows | Where-Object { $_.Rule -eq 'StoreTampered' -and $_.KeyId -eq $hidden.KeyId }) | Should -HaveCount 1
    }
}

Describe 'The scheduled audit against a store whose accounts'' name index was pointed elsewhere' {
    BeforeAll {
        # A store of its own: alpha holds one deleted key, desk a Read key, zulu a working Withdraw key.
        Initialize-TestStore
        $null = New-TestAccount alpha
        $null = New-TestAccount desk
        $null = New-TestAccount zulu
        $null = New-ApiKey -Account alpha -Name gone -Permission Read -IpAddress 203.0.113.7 -Code (Get-Code alpha) -WarningAction SilentlyContinue
        Get-ApiKey -Account alpha -Name gone | Disable-ApiKey -Reason 'retired' -Confirm:$false
        Get-ApiKey -Account alpha -Status Disabled | Remove-ApiKey -Code (Get-Code alpha) -Confirm:$false
        $null = New-ApiKey -Account desk -Name reader -Permission Read -IpAddress 203.0.113.7 -Code (Get-Code desk) -WarningAction SilentlyContinue
        $null = New-ApiKey -Account zulu -Name payouts -Permission Withdraw -AllowUnboundSensitive -Code (Get-Code zulu) -WarningAction SilentlyContinue
    }

    It 'names the working key it hid and the account listed in its place, in Get-ApiKey and in its report, and exits 3' {
        # Whoever writes the file, without the key-encryption key, gives the name index (which listings walk) the
        # b-tree of a table whose records look like its entries, zulu's entry leading to alpha's row. The listing came
        # to alpha's deleted key twice and to zulu's key never: as many rows as the key table holds, each one genuine.
        $hidden = Get-ApiKey -Account zulu -Name payouts
        Set-AttackerBTree -Index sqlite_autoindex_accounts_2 -Helper attacker_names -Drop 'DROP TABLE attacker_names' `
            -Create "CREATE TABLE attacker_names (k TEXT, r INTEGER, PRIMARY KEY (k, r)) WITHOUT ROWID; INSERT INTO attacker_names SELECT name_key, CASE WHEN name = 'zulu' THEN (SELECT rowid FROM accounts WHERE name = 'alpha') ELSE rowid END FROM accounts" | Should -Be 0
        (Get-ApiKey -KeyId $hidden.KeyId).Name | Should -Be 'payouts' -Because 'the lookup by id reads the primary key, which still holds the key'

        $listed = @(Get-ApiKey -ErrorAction SilentlyContinue -ErrorVariable listingErrors)
        $accountError = Get-CommandError { Get-KeyAdminAccount }
        $run = Invoke-Audit -Store $StorePath -Reports (Join-Path $TestFolder 'reports-redirected') -FailOn High

        $listed.Name | Should -Be @('reader')
        $listingErrors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'KeyAdmin.StoreTampered,*' }
        @($listingErrors | Where-Object { $_.Exception.Message -like "*'$($hidden.KeyId)'*missing from Get-ApiKey*" }) | Should -HaveCount 1
        @($listingErrors | Where-Object { $_.Exception.Message -like '*came to its keys a second time*' }) | Should -HaveCount 1
        $accountError.FullyQualifiedErrorId | Should -BeLike 'KeyAdmin.StoreTampered,*' -Because 'Get-KeyAdminAccount listed alpha twice and zulu not at all'
        $run.ExitCode | Should -Be 3 -Because 'the audit check names the index whose b-tree was swapped'
        $rows = @(Import-Csv -Path (Get-ChildItem -Path (Join-Path $TestFolder 'reports-redirected') -Filter 'keyadmin-audit-*.csv').FullName)
        @($rows | Where-Object { $_.Rule -eq 'StoreTampered' -and $_.KeyId -eq $hidden.KeyId }) | Should -HaveCount 1
    }
}
