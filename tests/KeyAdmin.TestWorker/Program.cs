// A second (third, sixth …) process for the core tests: it opens the store the test made, waits for the
// test's "go" file so that every worker acts at the same instant, and does one thing.
//
//   create-key <store> <account> <key name> <credential file> <go file>
//
// --connection-string <cs> --key-file <file> before the command use a PostgreSQL store (WorkerStore.cs), and
// StoreCommands.cs has the commands of the shared-store tests.
//
// The credential file (owner-only, written by the test) holds "seed:<base32>" (the worker computes the
// current code from it with the real clock, as an automation job would) or "code:<six digits>".
// The worker prints READY once the store is open, then one line: "OK" or "REFUSED <KeyAdminError>".
// It never prints a seed, a code or a secret.
using System.Diagnostics;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.TwoFactor;

args = WorkerStore.TakeOptions(args);
if (StoreCommands.TryRun(args) is { } exitCode)
{
    return exitCode;
}

if (args.Length == 6 && args[0] == "rotate-and-crash")
{
    return RotateAndCrash.Run(args);
}

if (args.Length != 6 || args[0] != "create-key")
{
    Console.Error.WriteLine("usage: create-key <store> <account> <key name> <credential file> <go file>");
    return 64;
}

var (storePath, account, keyName, credentialFile, goFile) = (args[1], args[2], args[3], args[4], args[5]);
try
{
    var credential = File.ReadAllText(credentialFile).Trim();
    using var store = WorkerStore.Open(storePath);
    var authority = new KeyAdminAuthority(store, TimeProvider.System, new Actor("worker-" + Environment.ProcessId, Environment.MachineName));
    Console.WriteLine("READY");
    Console.Out.Flush();

    var waited = Stopwatch.StartNew();
    while (!File.Exists(goFile))
    {
        if (waited.Elapsed > TimeSpan.FromSeconds(30))
        {
            Console.WriteLine("FAILED no go signal");
            return 3;
        }

        Thread.Sleep(2);
    }

    string code;
    if (credential.StartsWith("seed:", StringComparison.Ordinal))
    {
        var seed = Totp.FromBase32(credential["seed:".Length..]);
        code = Totp.ComputeCode(seed, TimeProvider.System.GetUtcNow());
        Array.Clear(seed);
    }
    else if (credential.StartsWith("code:", StringComparison.Ordinal))
    {
        code = credential["code:".Length..];
    }
    else
    {
        Console.WriteLine("FAILED unknown credential");
        return 3;
    }

    var issued = authority.Keys.Create(new NewKeyRequest { Account = account, Name = keyName }, TwoFactorProof.FromCode(code));
    issued.Secret.Dispose();
    Console.WriteLine("OK");
    return 0;
}
catch (KeyAdminException e)
{
    Console.WriteLine("REFUSED " + e.Error);
    return 2;
}
catch (Exception e)
{
    Console.WriteLine("FAILED " + e.GetType().Name);
    Console.Error.WriteLine(e);
    return 3;
}
