using System.Management.Automation;
using KeyAdmin.Core.Vaults;

namespace KeyAdmin.Cmdlets.Rotation;

/// <summary>What the rotation cmdlets share: one adapter per vault per command, and the -Test script block.</summary>
internal sealed class RotationCmdletSupport
{
    private readonly Dictionary<string, ICredentialVault> vaults = new(StringComparer.OrdinalIgnoreCase);

    public ICredentialVault Vault(string name)
    {
        if (!vaults.TryGetValue(name, out var vault))
        {
            vault = Vaults.SecretManagementVault.Open(name);
            vaults[name] = vault;
        }

        return vault;
    }

    /// <summary>
    /// -Test { param($credential, $passphrase) … } gets the successor's credential (and, for a key with one, its
    /// passphrase as a SecureString); it fails by throwing or by returning $false, and passes otherwise (no output
    /// counts as passing, as a script of checks that throw would).
    /// </summary>
    public static Func<VaultCredential, bool>? Test(ScriptBlock? test) => test is null
        ? null
        : credential =>
        {
            var output = test.Invoke(new PSCredential(credential.KeyId, credential.Secret), credential.Passphrase);
            return !output.Any(o => o?.BaseObject is false);
        };
}
