@{
    RootModule           = 'KeyAdmin.dll'
    # Imported before the root module: it points KeyAdmin.Core at the private load context in Dependencies/.
    NestedModules        = @('KeyAdmin.Loader.dll')
    # The build writes the version from Directory.Build.props into the module folder's copy.
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f7c1e-2d4a-4c8e-9a51-3f6d2b7e9c40'
    Author               = 'KeyAdmin contributors'
    CompanyName          = 'KeyAdmin'
    Copyright            = '(c) KeyAdmin contributors. MIT License.'
    Description          = 'An API key authority for PowerShell: create, scope, IP-bind, review, disable, delete and rotate API keys under 2FA, with secrets sealed at rest and an audit log.'
    # What CI tests (.github/workflows/ci.yml): PowerShell 7.4 and the latest 7.x, on Windows, Linux and macOS.
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('KeyAdmin.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-KeyAdminStore'
        'Get-KeyAdminStore'
        'Get-KeyAdminPolicy'
        'Set-KeyAdminPolicy'
        'New-KeyAdminAccount'
        'Get-KeyAdminAccount'
        'Set-KeyAdminAccount'
        'Remove-KeyAdminAccount'
        'Get-KeyAdminAuthenticator'
        'Confirm-KeyAdminAuthenticator'
        'Reset-KeyAdminAuthenticator'
        'Register-KeyAdminAuthenticator'
        'Unregister-KeyAdminAuthenticator'
        'Stop-KeyAdminAuthenticatorReset'
        'New-KeyAdminRecoveryCode'
        'New-KeyAdminStoreAdministrator'
        'Get-KeyAdminTotpCode'
        'New-ApiKey'
        'Get-ApiKey'
        'Set-ApiKey'
        'Disable-ApiKey'
        'Enable-ApiKey'
        'Remove-ApiKey'
        'New-ApiKeySignature'
        'Test-ApiKey'
        'Get-ApiKeyAuditLog'
        'Test-ApiKeyAuditLog'
        'Test-ApiKeyCompliance'
        'Invoke-ApiKeyRotation'
        'Get-ApiKeyRotation'
        'Resume-ApiKeyRotation'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # Gallery search terms; PSEdition_Core and the platform tags are the ones the gallery filters on.
            Tags         = @('ApiKey', 'Security', 'TOTP', '2FA', 'HMAC', 'SecretManagement', 'Vault', 'Rotation', 'Audit', 'Compliance', 'PostgreSQL', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            # The build replaces this with the section of CHANGELOG.md for ModuleVersion (tools/KeyAdmin.BuildTool).
            ReleaseNotes = 'See CHANGELOG.md.'
            # No ProjectUri or LicenseUri: there is no public repository yet (the licence, MIT, ships as LICENSE).
        }
    }
}
