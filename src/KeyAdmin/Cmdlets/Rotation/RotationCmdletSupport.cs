using System.Management.Automation;
using System.Security;
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
    /// -Test { param($credential) … } gets the successor's credential; it fails by throwing or by returning $false,
    /// and passes otherwise (no output counts as passing, as a script of checks that throw would).
    /// </summary>
    public static Func<string, SecureString, bool>? Test(ScriptBlock? test) => test is null
        ? null
        : (keyId, secret) =>
        {
            var output = test.Invoke(new PSCredential(keyId, secret));
            return !output.Any(o => o?.BaseObject is false);
        };
}
