#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the KeyAdmin module into out/KeyAdmin, and optionally runs the quickstart and the tests.

.DESCRIPTION
    The front door for people with PowerShell. Everything it does is plain dotnet underneath: MSBuild lays
    out the module folder (and generates its help), so `dotnet build` and `dotnet test` work on machines without
    pwsh (CI's included). With -Test it runs every xunit project of the solution, then the Pester suite
    (tests/*.Tests.ps1) where Pester 5 is installed, and writes the results to TestResults/: one .trx file per
    xunit project and Pester.xml (NUnit). It runs both suites before it reports a failure.

.EXAMPLE
    ./build.ps1 -Quickstart
    Builds the module and runs examples/quickstart.ps1 against a throw-away store.

.EXAMPLE
    ./build.ps1 -Test
    Builds, runs the xunit suites (core, engine-hosted module, verification …), then the Pester suite.

.EXAMPLE
    ./build.ps1 -Test -ExcludeTestProject KeyAdmin.Postgres.Tests -TestFilter 'FullyQualifiedName!~TeamStoreTests'
    What CI runs on Windows, where the throw-away PostgreSQL cluster of the team-store tests cannot start.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run the xunit suites, then tests/*.Tests.ps1 with Pester 5 when it is installed.
    [switch] $Test,

    # Test projects of the solution not to run (names, wildcards allowed), with -Test.
    [string[]] $ExcludeTestProject = @(),

    # A `dotnet test --filter` expression for the xunit suites, with -Test.
    [string] $TestFilter,

    # Where -Test writes its results.
    [string] $ResultsDirectory = (Join-Path $PSScriptRoot 'TestResults'),

    # Remove build output and out/ first.
    [switch] $Clean,

    # Run examples/quickstart.ps1 against the freshly built module.
    [switch] $Quickstart
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

# The pwsh running this script: child processes use the same version (CI pins 7.4 and the latest 7.x).
$pwsh = (Get-Process -Id $PID).Path

Push-Location $PSScriptRoot
try {
    if ($Clean) {
        Invoke-Native 'dotnet clean' { dotnet clean KeyAdmin.sln -c $Configuration --nologo -v quiet }
        Remove-Item -LiteralPath (Join-Path $PSScriptRoot 'out') -Recurse -Force -ErrorAction SilentlyContinue
    }

    Invoke-Native 'dotnet build' { dotnet build KeyAdmin.sln -c $Configuration --nologo }
    Write-Host "Module: $(Join-Path $PSScriptRoot 'out' 'KeyAdmin')"

    if ($Quickstart) {
        # A child process, so that the module loaded here never locks the files of the next build.
        Invoke-Native 'quickstart' { & $pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'examples' 'quickstart.ps1') }
    }

    if ($Test) {
        $failed = [Collections.Generic.List[string]]::new()
        $null = New-Item -ItemType Directory -Path $ResultsDirectory -Force

        # Every test project of the solution, one run each, so that each gets its own .trx file.
        $projects = Select-String -Path (Join-Path $PSScriptRoot 'KeyAdmin.sln') -Pattern '"([^"]+\.Tests\.csproj)"' |
            ForEach-Object { $_.Matches[0].Groups[1].Value.Replace('\', '/') }
        foreach ($project in $projects) {
            $name = [IO.Path]::GetFileNameWithoutExtension($project)
            if ($ExcludeTestProject | Where-Object { $name -like $_ }) {
                Write-Warning "Not running $name (-ExcludeTestProject)."
                continue
            }

            $arguments = @('test', $project, '-c', $Configuration, '--no-build', '--nologo',
                '--logger', "trx;LogFileName=$name.trx", '--results-directory', $ResultsDirectory)
            if ($TestFilter) { $arguments += @('--filter', $TestFilter) }
            & dotnet @arguments
            if ($LASTEXITCODE -ne 0) { $failed.Add($name) }
        }

        $pester = Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0' | Sort-Object Version -Descending | Select-Object -First 1
        if ($pester) {
            # A child process again: the Pester files import out/KeyAdmin, which must not stay loaded here.
            $results = (Join-Path $ResultsDirectory 'Pester.xml').Replace("'", "''")
            $tests = (Join-Path $PSScriptRoot 'tests').Replace("'", "''")
            & $pwsh -NoProfile -NonInteractive -Command @"
Import-Module Pester -MinimumVersion 5.0
`$c = New-PesterConfiguration
`$c.Run.Path = '$tests'
`$c.Run.Exit = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'NUnitXml'
`$c.TestResult.OutputPath = '$results'
Invoke-Pester -Configuration `$c
"@
            if ($LASTEXITCODE -ne 0) { $failed.Add('Pester') }
        }
        else {
            Write-Warning 'Pester 5 is not installed: skipped tests/*.Tests.ps1 (Install-Module Pester -MinimumVersion 5.0).'
        }

        if ($failed.Count -gt 0) { throw "Tests failed: $($failed -join ', ') (results in $ResultsDirectory)." }
    }
}
finally {
    Pop-Location
}
