#Requires -Version 7.4
<#
.SYNOPSIS
    The scheduled KeyAdmin rotation: rotates the keys that are due, delivering each successor into the vault
    entry the applications read, testing it (against the real API, or as the store's verifier sees it), then
    retiring the old key.

.DESCRIPTION
    Unattended: the authenticator code comes from the job's own automation authenticator, whose seed lives in
    the job's vault (see the README's "Authenticator codes and unattended jobs"). Never prompts.
    A run that was killed part way is completed first: Invoke-ApiKeyRotation finds the unfinished rotation of a
    key in the journal and finishes it (or it is undone, if its test fails).
    Keys that a previous run retired with a grace period still work until it ends; they are not due again.
    Exit codes: 0 all rotated (or nothing due); 2 some rotation failed and was undone (the old keys still work);
    1 the job failed.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File /opt/keyadmin/rotate.ps1 -Account desk -JobVault JobVault -ApiBase https://api.example.com
    Tests each successor with a real call to the API; the job's host must be inside the keys' IP binding.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File /opt/keyadmin/rotate.ps1 -Account desk -JobVault JobVault
    Tests each successor with Test-ApiKey -Credential: signed and verified against the store as if it came from
    inside the key's binding, wherever the job runs.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Account,

    # The vault holding this job's automation authenticator seed (never the applications' vault).
    [Parameter(Mandatory)] [string] $JobVault,

    [string] $SeedName = "keyadmin-$Account-rotation-job",

    # Rotate keys at least this old.
    [int] $RotationAgeDays = 90,

    # The old key keeps working this long, so that applications that read the vault rarely pick up the new one.
    [timespan] $GracePeriod = '01:00:00',

    # The API the keys are for: the test calls it with the successor's credential. Without it the test verifies
    # the successor as the store's verifier would, from inside the key's binding (Test-ApiKey -Credential).
    [string] $ApiBase
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module KeyAdmin
    $due = @(Test-ApiKeyCompliance -Account $Account -Rule RotationDue, UnfinishedRotation -RotationAgeDays $RotationAgeDays |
        Where-Object KeyId | Select-Object -ExpandProperty KeyId -Unique)
    if ($due.Count -eq 0) { Write-Output "Nothing to rotate for $Account."; exit 0 }

    # One fresh code confirms the whole command (every key of the account).
    $code = Get-Secret -Name $SeedName -Vault $JobVault | Get-KeyAdminTotpCode

    # The test returns $true only when the successor works; anything else undoes that key's rotation.
    $test = if ($ApiBase) {
        {
            param([pscredential] $credential)
            $path = '/api/v1/accounts'
            $headers = New-ApiKeySignature -Credential $credential -Method GET -Path $path
            $null = Invoke-RestMethod -Method Get -Uri ($ApiBase + $path) -Headers $headers -TimeoutSec 15
            $true
        }.GetNewClosure()
    }
    else {
        { param([pscredential] $credential) (Test-ApiKey -Credential $credential).Accepted }
    }

    $outcomes = $due | Invoke-ApiKeyRotation -Test $test -TestTimeout 00:01:00 -GracePeriod $GracePeriod -Code $code -Force -ErrorAction Continue -ErrorVariable failures
    $outcomes | Format-Table Account, State, OldKeyId, NewKeyId, SecretName -AutoSize | Out-String | Write-Output
    if ($failures) { Write-Output "$($failures.Count) rotation(s) failed and were undone: $($failures -join '; ')"; exit 2 }
    exit 0
}
catch {
    Write-Error "KeyAdmin rotation failed: $($_.Exception.Message)" -ErrorAction Continue
    exit 1
}
