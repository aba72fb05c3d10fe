#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the KeyAdmin module into out/KeyAdmin, and optionally runs the quickstart and every test.

.DESCRIPTION
    The front door. Everything it builds is plain dotnet underneath: MSBuild lays out the module folder (and
    generates its help), so `dotnet build` and `dotnet test` work where PowerShell is absent.

    With -Test it runs both suites and fails when either fails: first the xunit projects of the solution
    (`dotnet test`, one .trx file per project in TestResults/), then the Pester files (tests/*.Tests.ps1) in a
    child pwsh of the same version as this one, with Pester 5.7.1 (fetched by NuGet into .tools/ when it is not
    there yet) and Pester.xml (NUnit) in TestResults/. The child pwsh sees no module, profile, data folder or
    KEYADMIN_* variable of yours: it gets a throw-away HOME and a module path of its own. The last line is the
    count over both suites: `N passed, N failed, N skipped`.

.EXAMPLE
    ./build.ps1 -Quickstart
    Builds the module and runs examples/quickstart.ps1 against a throw-away store.

.EXAMPLE
    ./build.ps1 -Test
    Builds, runs the xunit suites (core, PostgreSQL, engine-hosted module, verification …), then the Pester
    suite, and ends with the counted line.

.EXAMPLE
    ./build.ps1 -Test -ExcludeTestProject KeyAdmin.Postgres.Tests -TestFilter 'FullyQualifiedName!~TeamStoreTests'
    What CI runs on Windows, where the throw-away PostgreSQL cluster of the team-store tests cannot start.

.EXAMPLE
    ./build.ps1 -Test -SkipXunit -PesterPath tests/KeyAdmin.NonInteractive.Tests.ps1
    Only one Pester file, while working on it.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run the xunit suites, then the Pester suite, and print the counted line.
    [switch] $Test,

    # Test projects of the solution not to run (names, wildcards allowed), with -Test.
    [string[]] $ExcludeTestProject = @(),

    # A `dotnet test --filter` expression for the xunit suites, with -Test.
    [string] $TestFilter,

    # With -Test: skip the xunit suites (for working on the Pester files).
    [switch] $SkipXunit,

    # With -Test: the Pester files or folders to run; all of tests/ by default.
    [string[]] $PesterPath = @(),

    # Where -Test writes its results.
    [string] $ResultsDirectory = (Join-Path $PSScriptRoot 'TestResults'),

    # Remove build output and out/ first.
    [switch] $Clean,

    # Run examples/quickstart.ps1 against the freshly built module.
    [switch] $Quickstart
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# The Pester the suite is written for (tools/Pester/Pester.csproj downloads the same version).
$PesterVersion = '5.7.1'

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

# The pwsh running this script, for child processes of the same version. $PSHOME, not the process path: under
# the PowerShell .NET tool the process is `dotnet`.
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

# Pester 5.7.1 as a module folder: .tools/Pester/5.7.1, filled from the NuGet package (its tools/ folder is the
# module) by NuGet's own client, so that it comes from the feed the machine's NuGet configuration names.
function Get-PesterModule {
    $folder = Join-Path $PSScriptRoot '.tools' 'Pester' $PesterVersion
    $manifest = Join-Path $folder 'Pester.psd1'
    if (Test-Path -LiteralPath $manifest) { return $manifest }

    Write-Host "Fetching Pester $PesterVersion (NuGet package) into $folder"
    Invoke-Native 'dotnet restore tools/Pester' { dotnet restore (Join-Path $PSScriptRoot 'tools' 'Pester' 'Pester.csproj') --nologo -v quiet }
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $tools = Join-Path $packages.Trim() 'pester' $PesterVersion 'tools'
    if (-not (Test-Path -LiteralPath (Join-Path $tools 'Pester.psd1'))) { throw "The Pester package was restored, but $tools holds no Pester.psd1." }
    $null = New-Item -ItemType Directory -Path $folder -Force
    Copy-Item -Path (Join-Path $tools '*') -Destination $folder -Recurse -Force
    $manifest
}

# Counts from the .trx files of one dotnet test run: passed, failed (errors, time-outs and aborts too), skipped.
function Read-TrxCounts([string] $Folder) {
    $counts = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0; Files = 0 }
    foreach ($file in Get-ChildItem -Path $Folder -Filter '*.trx' -File -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content -Raw -LiteralPath $file.FullName)).TestRun.ResultSummary.Counters
        $counts.Passed += [int]$counters.passed
        $counts.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        # A skipped xunit test is counted in total but not executed (and not always as notExecuted).
        $counts.Skipped += [Math]::Max([int]$counters.total - [int]$counters.executed, [int]$counters.notExecuted)
        $counts.Files++
    }
    $counts
}

Push-Location $PSScriptRoot
try {
    if ($Clean) {
        Invoke-Native 'dotnet clean' { dotnet clean KeyAdmin.sln -c $Configuration --nologo -v quiet }
        Remove-Item -LiteralPath (Join-Path $PSScriptRoot 'out') -Recurse -Force -ErrorAction SilentlyContinue
    }

    Invoke-Native 'dotnet build' { dotnet build KeyAdmin.sln -c $Configuration --nologo }
    Write-Host "Module: $(Join-Path $PSScriptRoot 'out' 'KeyAdmin')"

    if ($Quickstart) {
        # A child process, so that the module loaded there never locks the files of the next build.
        Invoke-Native 'quickstart' { & $pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'examples' 'quickstart.ps1') }
    }

    if ($Test) {
        $failedSuites = [Collections.Generic.List[string]]::new()
        $passed = 0; $failed = 0; $skipped = 0
        Remove-Item -LiteralPath $ResultsDirectory -Recurse -Force -ErrorAction SilentlyContinue
        $null = New-Item -ItemType Directory -Path $ResultsDirectory -Force

        if (-not $SkipXunit) {
            # The whole solution in one run (its test projects run side by side), or each project that is not
            # excluded; every project writes its own .trx file.
            $targets = @('KeyAdmin.sln')
            if ($ExcludeTestProject) {
                $targets = @(Select-String -Path (Join-Path $PSScriptRoot 'KeyAdmin.sln') -Pattern '"([^"]+\.Tests\.csproj)"' |
                    ForEach-Object { $_.Matches[0].Groups[1].Value.Replace('\', '/') } |
                    Where-Object { $name = [IO.Path]::GetFileNameWithoutExtension($_); -not ($ExcludeTestProject | Where-Object { $name -like $_ }) })
            }
            $xunitResults = Join-Path $ResultsDirectory 'xunit'
            $xunitFailed = $false
            foreach ($target in $targets) {
                $arguments = @('test', $target, '-c', $Configuration, '--no-build', '--nologo', '--logger', 'trx', '--results-directory', $xunitResults)
                if ($TestFilter) { $arguments += @('--filter', $TestFilter) }
                & dotnet @arguments
                if ($LASTEXITCODE -ne 0) { $xunitFailed = $true }
            }
            $counts = Read-TrxCounts $xunitResults
            if ($xunitFailed -and $counts.Failed -eq 0) { $counts.Failed = 1 }   # a build or test host that failed before reporting
            if ($counts.Files -eq 0) { $counts.Failed++; Write-Warning 'dotnet test wrote no results.' }
            if ($xunitFailed -or $counts.Failed -gt 0) { $failedSuites.Add('xunit') }
            Write-Host "xunit: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
            $passed += $counts.Passed; $failed += $counts.Failed; $skipped += $counts.Skipped
        }

        # The Pester files in a child pwsh (the module they import must not stay loaded here), with an isolated
        # environment: a throw-away HOME (no profile, no user module, no SecretStore of yours, no data folder)
        # and no KEYADMIN_* variable. tests/Invoke-PesterSuite.ps1 sets the module path and writes the counts.
        $summary = Join-Path $ResultsDirectory 'Pester.summary.json'
        $sandbox = Join-Path ([IO.Path]::GetTempPath()) ('keyadmin-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
        $saved = @{}
        $isolated = @{ HOME = (Join-Path $sandbox 'home'); USERPROFILE = (Join-Path $sandbox 'home'); XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null
            LOCALAPPDATA = (Join-Path $sandbox 'localappdata'); APPDATA = (Join-Path $sandbox 'appdata'); KEYADMIN_STORE = $null; KEYADMIN_KEY_FILE = $null; KEYADMIN_NONINTERACTIVE = $null }
        try {
            $pester = Get-PesterModule
            foreach ($name in $isolated.Keys) {
                $saved[$name] = [Environment]::GetEnvironmentVariable($name)
                if ($isolated[$name]) { $null = New-Item -ItemType Directory -Path $isolated[$name] -Force }
                [Environment]::SetEnvironmentVariable($name, $isolated[$name])
            }
            # Split on commas too: `pwsh ./build.ps1 -PesterPath a,b` passes one string.
            $paths = if ($PesterPath) { $PesterPath -split ',' | ForEach-Object { (Resolve-Path $_).Path } } else { @(Join-Path $PSScriptRoot 'tests') }
            & $pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'tests' 'Invoke-PesterSuite.ps1') `
                -PesterModule $pester -Path ($paths -join ',') -ResultsDirectory $ResultsDirectory -Sandbox $sandbox
            $pesterExit = $LASTEXITCODE
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            Remove-Item -LiteralPath $sandbox -Recurse -Force -ErrorAction SilentlyContinue
        }
        if (Test-Path -LiteralPath $summary) {
            $counts = Get-Content -Raw -LiteralPath $summary | ConvertFrom-Json
            if ($pesterExit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
        }
        else {
            $counts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }   # Pester never got to report
        }
        if ($pesterExit -ne 0 -or $counts.Failed -gt 0) { $failedSuites.Add('Pester') }
        Write-Host "Pester: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
        $passed += $counts.Passed; $failed += $counts.Failed; $skipped += $counts.Skipped

        if ($failedSuites.Count -gt 0) {
            Write-Host "Tests failed: $($failedSuites -join ', ') (results in $ResultsDirectory)."
        }
        # The counted line, over both suites, as the very last line (CI reads it).
        Write-Host "$passed passed, $failed failed, $skipped skipped"
        if ($failedSuites.Count -gt 0) { exit 1 }
    }
}
finally {
    Pop-Location
}
