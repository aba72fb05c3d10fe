#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the KeyAdmin module into out/KeyAdmin, and optionally runs the quickstart and the tests.

.DESCRIPTION
    The front door for people with PowerShell. Everything it does is plain dotnet underneath: MSBuild lays
    out the module folder, so `dotnet build` and `dotnet test` work on machines without pwsh (CI's included).

.EXAMPLE
    ./build.ps1 -Quickstart
    Builds the module and runs examples/quickstart.ps1 against a throw-away store.

.EXAMPLE
    ./build.ps1 -Test
    Builds, runs the xunit suites (core and engine-hosted), then the Pester suite where Pester is installed.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run the xunit suites, then tests/*.Tests.ps1 with Pester 5 when it is installed.
    [switch] $Test,

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
        Invoke-Native 'quickstart' { pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'examples' 'quickstart.ps1') }
    }

    if ($Test) {
        Invoke-Native 'dotnet test' { dotnet test KeyAdmin.sln -c $Configuration --no-build --nologo }
        $pester = Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0' | Select-Object -First 1
        if ($pester) {
            Invoke-Native 'Pester' {
                pwsh -NoProfile -NonInteractive -Command "Import-Module Pester -MinimumVersion 5.0; `$c = New-PesterConfiguration; `$c.Run.Path = 'tests'; `$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"
            }
        }
        else {
            Write-Warning 'Pester 5 is not installed: skipped tests/*.Tests.ps1 (Install-Module Pester -MinimumVersion 5.0).'
        }
    }
}
finally {
    Pop-Location
}
