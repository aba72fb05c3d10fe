#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite in this (child) pwsh, isolated from the machine, and writes its counts.

.DESCRIPTION
    Started by `build.ps1 -Test` with a throw-away HOME already in the environment. It decides which
    SecretManagement the vault tests use before the module path is narrowed: the real
    Microsoft.PowerShell.SecretManagement and Microsoft.PowerShell.SecretStore where both are installed (copied
    into the sandbox, so that the SecretStore they reset is the sandbox's, never yours), else the project's
    stand-in (tests/KeyAdmin.Tests/Support/SecretManagement). Then only the sandbox's modules and pwsh's own
    are on $env:PSModulePath, which every child pwsh of the tests inherits. Exit code: 0 when every test passed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $ResultsDirectory,
    [Parameter(Mandatory)] [string] $Sandbox
)

$ErrorActionPreference = 'Stop'
$modules = Join-Path $Sandbox 'modules'
$null = New-Item -ItemType Directory -Path $modules -Force

$real = @(Get-Module -ListAvailable Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore |
    Sort-Object Version -Descending | Group-Object Name | ForEach-Object { $_.Group[0] })
if ($real.Count -eq 2) {
    foreach ($module in $real) {
        $target = Join-Path $modules $module.Name $module.Version
        $null = New-Item -ItemType Directory -Path $target -Force
        Copy-Item -Path (Join-Path $module.ModuleBase '*') -Destination $target -Recurse -Force
    }
    $env:KEYADMIN_TEST_VAULT = 'SecretStore'
}
else {
    Copy-Item -Path (Join-Path $PSScriptRoot 'KeyAdmin.Tests' 'Support' 'SecretManagement' 'Microsoft.PowerShell.SecretManagement') -Destination $modules -Recurse -Force
    $env:KEYADMIN_TEST_VAULT = 'StandIn'
}
Write-Host "Vault tests use: $env:KEYADMIN_TEST_VAULT"

Import-Module $PesterModule -Force
$env:PSModulePath = $modules + [IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')

$configuration = New-PesterConfiguration
$configuration.Run.Path = @($Path -split ',')   # one argument: pwsh -File passes no arrays
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = Join-Path $ResultsDirectory 'Pester.xml'
$result = Invoke-Pester -Configuration $configuration

# A file that failed to load, or a BeforeAll that threw, is a failure even when it left no test result.
$failed = $result.FailedCount + $result.FailedContainersCount + $result.FailedBlocksCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount + $result.NotRunCount } |
    ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ResultsDirectory 'Pester.summary.json') -Encoding utf8
exit ([int]($failed -gt 0 -or $result.Result -ne 'Passed'))
