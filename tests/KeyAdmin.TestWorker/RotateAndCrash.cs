// rotate-and-crash <store> <key id> <vault file> <credential file> <step>
//
// Rotates the key into the file vault with a test that passes, and kills its own process the moment the
// rotation has journalled <step> (Planned, Created, Delivered, Tested, Retired): the crash a recovery must
// survive. Prints nothing secret.
using System.Diagnostics;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.TwoFactor;

internal static class RotateAndCrash
{
    public static int Run(string[] args)
    {
        var (storePath, keyId, vaultFile, credentialFile, step) = (args[1], args[2], args[3], args[4], Enum.Parse<RotationState>(args[5]));
        using var store = WorkerStore.Open(storePath);
        var authority = new KeyAdminAuthority(store, TimeProvider.System, new Actor("rotation-job", Environment.MachineName));
        var seed = Totp.FromBase32(File.ReadAllText(credentialFile).Trim()["seed:".Length..]);
        var code = Totp.ComputeCode(seed, TimeProvider.System.GetUtcNow());
        var vault = new FileVault(vaultFile);
        RotationService.AfterStep = reached =>
        {
            if (reached == step)
            {
                Console.WriteLine("CRASH " + reached);
                Console.Out.Flush();
                Process.GetCurrentProcess().Kill();
            }
        };

        authority.Rotations.Rotate(keyId, new RotationOptions(), TwoFactorProof.FromCode(code), _ => vault, _ => true);
        Console.WriteLine("COMPLETED");
        return 0;
    }
}
