#Requires -Version 7.4
<#
.SYNOPSIS
    A first real job with KeyAdmin: a throw-away embedded store, its store administrator, an account with its
    authenticator and recovery codes, a key, the listing, disable and delete, and a policy change confirmed by
    the store administrator, saying what it does at each step.

.DESCRIPTION
    Run `pwsh ./build.ps1 -Quickstart` (the README's first command) to build the module and run this.
    The store lives in a temporary folder, so your own data folder is untouched; it is deleted at the end
    unless you pass -KeepStore. The script plays the phones of the store administrator and of the account: it
    computes their codes from the enrolment seeds with Get-KeyAdminTotpCode, as an unattended job would. The QR
    codes and recovery codes are drawn on the host (-ShowQrCode), as a person at the prompt would see them; they
    are never part of the script's output.

.EXAMPLE
    pwsh -NoProfile -File ./examples/quickstart.ps1 -KeepStore
#>
[CmdletBinding()]
param(
    # The built module; build.ps1 (or dotnet build) writes it to out/KeyAdmin.
    [string] $ModulePath = [IO.Path]::Combine($PSScriptRoot, '..', 'out', 'KeyAdmin', 'KeyAdmin.psd1'),

    # Keep the temporary store and print where it is.
    [switch] $KeepStore
)

$ErrorActionPreference = 'Stop'
$storeFolder = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'keyadmin-quickstart-' + [guid]::NewGuid().ToString('N'))

# A code a phone would show. Each code is accepted once, and only after the previous one, so successive
# steps use the previous, current and next 30-second code: all three are valid right now.
function Get-PhoneCode([securestring] $Seed, [int] $StepOffset) {
    $Seed | Get-KeyAdminTotpCode -At ([DateTimeOffset]::UtcNow.AddSeconds(30 * $StepOffset))
}

try {
    Import-Module $ModulePath -Force
    Connect-KeyAdminStore -Path ([IO.Path]::Combine($storeFolder, 'keyadmin.db')) -Create
    $store = Get-KeyAdminStore
    "1. Using a throw-away $($store.Engine) store at $($store.Location)"
    "   (its key-encryption key is kept apart, in $($store.KeyEncryptionKey))"

    "2. Enrolling the store administrator: its authenticator confirms store-wide settings (the policy)."
    $administrator = New-KeyAdminStoreAdministrator -Email 'security@example.com' -ShowQrCode
    Confirm-KeyAdminAuthenticator -StoreAdministrator -Code (Get-PhoneCode $administrator.Secret -1)
    "   Confirmed, with $($administrator.RecoveryCodes.Count) recovery codes (drawn above, SecureStrings in the output)."

    $enrolment = New-KeyAdminAccount -Name desk -Email 'desk@example.com'
    "   Created account 'desk'. At a prompt it draws its QR code and recovery codes, as above; here the script plays the phone."
    Confirm-KeyAdminAuthenticator -Account desk -Code (Get-PhoneCode $enrolment.Secret -1)
    "   The authenticator is confirmed: sensitive operations of 'desk' now need its codes."

    $key = New-ApiKey -Account desk -Name bot-a -Permission Read, Trade -IpAddress 203.0.113.7 `
        -Memo 'Bot Trading - Server A' -ExpiresIn 90 -Code (Get-PhoneCode $enrolment.Secret 0)
    "3. Created key $($key.KeyId) with $($key.Permissions.ToString()), bound to $($key.IpAddresses.ToString())."
    "   Its secret ($($key.Secret.GetType().Name), $($key.Secret.Length) characters) is handed over this once and never shown again."

    "4. The listing an administrator reviews:"
    Get-ApiKey -Account desk

    Disable-ApiKey -KeyId $key.KeyId -Reason 'quickstart: retiring bot-a'
    "5. Disabled $($key.KeyId): it is $((Get-ApiKey -KeyId $key.KeyId).Status) and refused from now on."

    Remove-ApiKey -KeyId $key.KeyId -Code (Get-PhoneCode $enrolment.Secret 1) -Force
    $left = @(Get-ApiKey -Account desk).Count
    "6. Deleted it for good (secret destroyed); 'desk' now holds $left key(s)."

    Set-KeyAdminPolicy -MaxKeysPerAccount 10 -Code (Get-PhoneCode $administrator.Secret 0) -Force
    "7. Raised the key limit to $((Get-KeyAdminPolicy).MaxKeysPerAccount) per account, confirmed by the store administrator's code (an account's code is refused)."
    "Done. Next: Get-Help about_KeyAdmin, and the README's walkthrough."
}
finally {
    if ($KeepStore) {
        "The store is kept at $storeFolder"
    }
    elseif ([IO.Directory]::Exists($storeFolder)) {
        try { [IO.Directory]::Delete($storeFolder, $true) } catch { "Could not delete $storeFolder : $($_.Exception.Message)" }
    }
}
