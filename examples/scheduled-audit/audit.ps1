#Requires -Version 7.4
<#
.SYNOPSIS
    The scheduled KeyAdmin audit: proves the audit chain, reviews every key, writes a CSV and a JSON report,
    and exits non-zero when something needs a person.

.DESCRIPTION
    Never interactive: it asks nothing and needs no authenticator code (it changes nothing: it opens the store to
    read only). It prints the audit chain's head ("sequence,hash"); with -HeadFile it first proves that the chain
    still contains the head the previous run left there, then writes the new one. Keep that file where whoever can
    write the store cannot (another machine, a log collector): it is what catches a rollback of the whole store.
    Exit codes: 0 clean; 2 findings of severity -FailOn or worse; 3 the audit chain is broken (or no longer holds
    the pinned head); 1 the audit itself failed (store unavailable, module missing).

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File /opt/keyadmin/audit.ps1 -ReportFolder /var/lib/keyadmin/reports -FailOn High -HeadFile /mnt/audit-host/keyadmin-head.txt
#>
[CmdletBinding()]
param(
    # Where the reports go; one CSV and one JSON per run, named by the time of the run.
    [Parameter(Mandatory)]
    [string] $ReportFolder,

    # The severity that makes the run fail (exit code 2).
    [ValidateSet('High', 'Medium', 'Low')]
    [string] $FailOn = 'High',

    # The store to audit; by default the one $env:KEYADMIN_STORE or the data folder names.
    [string] $StorePath,

    # A file that keeps the chain's head between runs ("sequence,hash"); read before the check, written after it.
    [string] $HeadFile,

    [int] $UnusedDays = 90,
    [int] $RotationAgeDays = 90
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module KeyAdmin
    if ($StorePath) { Connect-KeyAdminStore -Path $StorePath }
    $null = New-Item -ItemType Directory -Path $ReportFolder -Force
    $stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ')

    # 1. The audit log is provably intact (or the report names the first broken record), and still holds the head
    #    the previous run pinned.
    $pinned = if ($HeadFile -and (Test-Path -LiteralPath $HeadFile)) { (Get-Content -LiteralPath $HeadFile -Raw).Trim() } else { $null }
    $chain = if ($pinned) { Test-ApiKeyAuditLog -ExpectedHead $pinned -ErrorAction SilentlyContinue } else { Test-ApiKeyAuditLog -ErrorAction SilentlyContinue }
    if ($HeadFile -and $chain.IsIntact -and $chain.Head) { Set-Content -LiteralPath $HeadFile -Value $chain.Head -Encoding ascii }

    # 2. Every finding, written to the reports before anything decides the exit code.
    $findings = @(Test-ApiKeyCompliance -UnusedDays $UnusedDays -RotationAgeDays $RotationAgeDays)
    $findings | Export-Csv -Path (Join-Path $ReportFolder "keyadmin-audit-$stamp.csv") -NoTypeInformation -Encoding utf8
    [pscustomobject]@{
        Store          = (Get-KeyAdminStore).Location
        RanAt          = (Get-Date).ToUniversalTime().ToString('o')
        AuditChain     = $chain
        Findings       = $findings
        CountBySeverity = $findings | Group-Object Severity -NoElement | ForEach-Object { @{ $_.Name = $_.Count } }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $ReportFolder "keyadmin-audit-$stamp.json") -Encoding utf8

    # The enum on the left converts 'High' to a severity: KeyAdmin's core types live in a private load context,
    # so a type literal such as [KeyAdmin.Core.Compliance.ComplianceSeverity] cannot be resolved in a script.
    $failing = @($findings | Where-Object { $_.Severity -ge $FailOn })
    Write-Output ("KeyAdmin audit: chain {0}, {1} finding(s), {2} at {3} or worse." -f ($(if ($chain.IsIntact) { "intact, head $($chain.Head)" } else { "BROKEN at record $($chain.FirstBrokenSequence): $($chain.Problem)" })), $findings.Count, $failing.Count, $FailOn)
    if (-not $chain.IsIntact) { exit 3 }
    if ($failing.Count -gt 0) { exit 2 }
    exit 0
}
catch {
    Write-Error "KeyAdmin audit failed: $($_.Exception.Message)" -ErrorAction Continue
    exit 1
}
