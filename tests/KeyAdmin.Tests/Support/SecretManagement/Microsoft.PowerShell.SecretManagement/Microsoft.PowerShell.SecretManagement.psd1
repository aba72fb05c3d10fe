# A stand-in for Microsoft.PowerShell.SecretManagement in engine-hosted tests, where the real module cannot be
# installed. Same module name and public cmdlets (so KeyAdmin's module-qualified calls reach it), the same
# secret types and metadata, and the failure modes that matter: a missing vault, a locked vault, a failing
# write and a read-back that returns something else. Needs only the PowerShell engine's core cmdlets.
@{
    RootModule        = 'Microsoft.PowerShell.SecretManagement.psm1'
    ModuleVersion     = '1.1.2'
    GUID              = 'a5c858f6-4a8e-41f1-b1ee-0e8ed1d7a0f2'
    Description       = 'Test stand-in for Microsoft.PowerShell.SecretManagement (in-memory vaults).'
    FunctionsToExport = @(
        'Get-Secret', 'Get-SecretInfo', 'Set-Secret', 'Remove-Secret', 'Get-SecretVault', 'Test-SecretVault',
        'Register-TestVault', 'Get-TestVaultEntry'
    )
    CmdletsToExport   = @()
    AliasesToExport   = @()
}
