#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# What scripts can rely on, proven by running them as a scheduler does (`pwsh -NoProfile -NonInteractive -File`,
# stdin at EOF) against a throw-away store: how -FailOn reports, what $? and -ErrorVariable see, and the exit code.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Initialize-TestStore
    $null = New-TestAccount desk
    # One High finding (a Withdraw key bound to nothing, by override) and one Low (an unbound Read key).
    $null = New-ApiKey -Account desk -Name payouts -Permission Withdraw -AllowUnboundSensitive -Code (Get-Code desk) -WarningAction SilentlyContinue
    $null = New-ApiKey -Account desk -Name reader -Code (Get-Code desk) -WarningAction SilentlyContinue
    $script:connect = "Connect-KeyAdminStore -Path '$($StorePath.Replace("'", "''"))'"
}

AfterAll {
    Remove-TestStore
}

Describe 'Test-ApiKeyCompliance -FailOn in a script' {
    It 'with -ErrorAction Stop, writes every finding and then ends the script with exit code 1' {
        $run = Invoke-TestScript @"
$connect
Test-ApiKeyCompliance -FailOn High -ErrorAction Stop | ForEach-Object { "finding: `$(`$_.Rule)" }
'after the audit'
exit 0
"@
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'finding: UnboundSensitive'
        $run.Output | Should -Match 'finding: Unbound'
        $run.Output | Should -Not -Match 'after the audit'
        $run.Errors | Should -Match 'severity High or worse'
    }

    It 'assigns every finding, sets $? to false and fills -ErrorVariable, without stopping the script' {
        $run = Invoke-TestScript @"
$connect
`$findings = Test-ApiKeyCompliance -FailOn High -ErrorAction SilentlyContinue -ErrorVariable failed
"ok=`$?"
"count=`$(`$findings.Count)"
"error=`$(`$failed[0].FullyQualifiedErrorId)"
exit 0
"@
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Output | Should -Match 'ok=False'
        $run.Output | Should -Match 'count=2'
        $run.Output | Should -Match 'error=KeyAdmin.ComplianceFailed,KeyAdmin.Cmdlets.Compliance.TestApiKeyComplianceCommand'
    }

    It 'writes no error, and $? stays true, when no finding is that severe' {
        $run = Invoke-TestScript @"
$connect
`$findings = Test-ApiKeyCompliance -Rule Unbound -FailOn High -ErrorAction Stop
"ok=`$? count=`$(@(`$findings).Count)"
"@
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Output | Should -Match 'ok=True count=1'
        $run.Errors | Should -BeNullOrEmpty
    }
}
