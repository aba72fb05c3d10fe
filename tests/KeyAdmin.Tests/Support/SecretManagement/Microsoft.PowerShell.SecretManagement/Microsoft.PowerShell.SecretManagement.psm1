# In-memory vaults for the runspace that imports this module. Each vault: Secrets (name -> @{ Value; Metadata }),
# and failure switches set with Register-TestVault.
$script:Vaults = @{}

function New-VaultError([string] $Message, [string] $Id, [object] $Target) {
    [System.Management.Automation.ErrorRecord]::new(
        [System.InvalidOperationException]::new($Message), $Id, [System.Management.Automation.ErrorCategory]::InvalidOperation, $Target)
}

function Get-VaultOrFail([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Name) {
    if (-not $script:Vaults.ContainsKey($Name)) {
        $Cmdlet.ThrowTerminatingError((New-VaultError "Vault $Name does not exist in registry." 'GetSecretVaultNotFound' $Name))
    }
    $vault = $script:Vaults[$Name]
    if ($vault.Locked) {
        # As SecretStore answers in a session that cannot prompt: at once, never waiting for a password.
        $Cmdlet.ThrowTerminatingError((New-VaultError "A valid password is required to access the Microsoft.PowerShell.SecretStore vault. Use the Unlock-SecretStore cmdlet to provide the required password to access the store." 'VaultLocked' $Name))
    }
    $vault
}

function Copy-Secret([object] $Value) {
    if ($Value -is [System.Management.Automation.PSCredential]) {
        return [System.Management.Automation.PSCredential]::new($Value.UserName, $Value.Password.Copy())
    }
    if ($Value -is [securestring]) { return $Value.Copy() }
    if ($Value -is [hashtable]) {
        # As SecretManagement stores a Hashtable: its values (string, SecureString, PSCredential, byte[]) one by one.
        $copy = @{}
        foreach ($key in $Value.Keys) { $copy[$key] = Copy-Secret $Value[$key] }
        return $copy
    }
    $Value
}

function ConvertTo-PlainSecret([object] $Value) {
    if ($Value -is [securestring]) { return [System.Net.NetworkCredential]::new('', $Value).Password }
    if ($Value -is [hashtable]) {
        $plain = @{}
        foreach ($key in $Value.Keys) { $plain[$key] = ConvertTo-PlainSecret $Value[$key] }
        return $plain
    }
    $Value
}

function Register-TestVault {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Name,
        [switch] $Locked,
        [switch] $FailWrite,
        [switch] $CorruptReadBack
    )
    if (-not $script:Vaults.ContainsKey($Name)) { $script:Vaults[$Name] = @{ Secrets = @{} } }
    $script:Vaults[$Name].Locked = [bool]$Locked
    $script:Vaults[$Name].FailWrite = [bool]$FailWrite
    $script:Vaults[$Name].CorruptReadBack = [bool]$CorruptReadBack
}

function Get-TestVaultEntry {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Vault, [string] $Name)
    $script:Vaults[$Vault].Secrets.GetEnumerator() | Where-Object { -not $Name -or $_.Key -eq $Name } | ForEach-Object {
        [pscustomobject]@{ Name = $_.Key; Value = $_.Value.Value; Metadata = $_.Value.Metadata }
    }
}

function Get-SecretVault {
    [CmdletBinding()]
    param([string[]] $Name)
    $names = if ($Name) { $Name } else { @($script:Vaults.Keys) }
    foreach ($n in $names) {
        if ($script:Vaults.ContainsKey($n)) {
            [pscustomobject]@{ Name = $n; ModuleName = 'Microsoft.PowerShell.SecretStore'; IsDefault = $false }
        }
        else {
            $PSCmdlet.WriteError((New-VaultError "Vault $n does not exist in registry." 'GetSecretVaultNotFound' $n))
        }
    }
}

function Test-SecretVault {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    $script:Vaults.ContainsKey($Name) -and -not $script:Vaults[$Name].Locked
}

function Get-SecretInfo {
    [CmdletBinding()]
    param([string] $Name = '*', [string] $Vault)
    $v = Get-VaultOrFail $PSCmdlet $Vault
    $pattern = [System.Management.Automation.WildcardPattern]::new($Name, [System.Management.Automation.WildcardOptions]::IgnoreCase)
    foreach ($entry in $v.Secrets.GetEnumerator()) {
        if ($pattern.IsMatch($entry.Key)) {
            $type = if ($entry.Value.Value -is [System.Management.Automation.PSCredential]) { 'PSCredential' } elseif ($entry.Value.Value -is [securestring]) { 'SecureString' } elseif ($entry.Value.Value -is [hashtable]) { 'Hashtable' } else { 'Unknown' }
            [pscustomobject]@{ Name = $entry.Key; Type = $type; VaultName = $Vault; Metadata = $entry.Value.Metadata }
        }
    }
}

function Get-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $Name, [string] $Vault, [switch] $AsPlainText)
    $v = Get-VaultOrFail $PSCmdlet $Vault
    if (-not $v.Secrets.ContainsKey($Name)) {
        $PSCmdlet.ThrowTerminatingError((New-VaultError "The secret $Name was not found." 'GetSecretNotFound' $Name))
    }
    $value = Copy-Secret $v.Secrets[$Name].Value
    if ($v.CorruptReadBack) {
        $other = [securestring]::new()
        foreach ($c in 'not-the-secret'.ToCharArray()) { $other.AppendChar($c) }
        if ($value -is [System.Management.Automation.PSCredential]) {
            return [System.Management.Automation.PSCredential]::new($value.UserName, $other)
        }
        if ($value -is [hashtable]) { $value['Passphrase'] = $other }
    }
    if ($AsPlainText) { return ConvertTo-PlainSecret $value }
    $value
}

function Set-Secret {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [object] $Secret,
        [string] $Vault,
        [hashtable] $Metadata,
        [switch] $NoClobber
    )
    $v = Get-VaultOrFail $PSCmdlet $Vault
    if ($v.FailWrite) {
        $PSCmdlet.ThrowTerminatingError((New-VaultError "Unable to write secret $Name to vault $Vault." 'SetSecretFailed' $Name))
    }
    if ($NoClobber -and $v.Secrets.ContainsKey($Name)) {
        $PSCmdlet.ThrowTerminatingError((New-VaultError "A secret with name $Name already exists in vault $Vault." 'SetSecretClobber' $Name))
    }
    foreach ($value in @(if ($Metadata) { $Metadata.Values })) {
        if ($value -isnot [string] -and $value -isnot [int] -and $value -isnot [datetime]) {
            $PSCmdlet.ThrowTerminatingError((New-VaultError "Metadata values must be string, int or DateTime." 'InvalidMetadata' $Name))
        }
    }
    $v.Secrets[$Name] = @{ Value = (Copy-Secret $Secret); Metadata = $(if ($Metadata) { $Metadata.Clone() } else { @{} }) }
}

function Remove-Secret {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [string] $Vault)
    $v = Get-VaultOrFail $PSCmdlet $Vault
    if (-not $v.Secrets.ContainsKey($Name)) {
        $PSCmdlet.ThrowTerminatingError((New-VaultError "The secret $Name was not found." 'RemoveSecretNotFound' $Name))
    }
    $v.Secrets.Remove($Name)
}
