// Commands for the tests of a shared store under several processes (tests/KeyAdmin.Postgres.Tests):
//
//   append-audit <store> <prefix> <count> <go file>
//     Creates <count> accounts named <prefix>-<n>, each with its audit record, after the go file appears.
//     Prints READY once the store is open, then "OK <count>" or "REFUSED <KeyAdminError>".
//   watch-key <store> <credential file>
//     A verifier in its own process: signs a Read request with the key in the credential file ("key:<id>" and
//     "secret:<secret>" lines) every 10 ms. Prints READY after the first accepted request, then, as soon as one
//     is refused, "REFUSED <reason> <Unix ms when the last accepted request started>" and exits. Gives up with
//     TIMEOUT after 30 s.
//
//   verify-request <store> <request file>
//     A verifier in its own process: prints READY once the store is open, waits for the request file (a signed
//     request as JSON: the headers, method, path, body and required permission; no secret), verifies it and
//     prints "ACCEPTED" or "REFUSED <reason>".
//
// Never prints a seed, a code or a secret.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Verification;

internal static class StoreCommands
{
    public static int? TryRun(string[] args)
    {
        try
        {
            return args switch
            {
                ["append-audit", var store, var prefix, var count, var goFile] => AppendAudit(store, prefix, int.Parse(count, CultureInfo.InvariantCulture), goFile),
                ["watch-key", var store, var credentialFile] => WatchKey(store, credentialFile),
                ["verify-request", var store, var requestFile] => VerifyRequest(store, requestFile),
                _ => null,
            };
        }
        catch (KeyAdminException e)
        {
            Console.WriteLine("REFUSED " + e.Error);
            return 2;
        }
    }

    private static int AppendAudit(string storePath, string prefix, int count, string goFile)
    {
        using var store = WorkerStore.Open(storePath);
        var authority = new KeyAdminAuthority(store, TimeProvider.System, new Actor("worker-" + Environment.ProcessId, Environment.MachineName));
        Console.WriteLine("READY");
        Console.Out.Flush();
        if (!WaitFor(goFile))
        {
            Console.WriteLine("FAILED no go signal");
            return 3;
        }

        for (var i = 1; i <= count; i++)
        {
            authority.Accounts.Create($"{prefix}-{i}", $"{prefix}-{i}@example.com").Secret.Dispose();
        }

        Console.WriteLine("OK " + count);
        return 0;
    }

    private static int WatchKey(string storePath, string credentialFile)
    {
        var lines = File.ReadAllLines(credentialFile).ToDictionary(l => l[..l.IndexOf(':')], l => l[(l.IndexOf(':') + 1)..]);
        var keyId = lines["key"];
        var secret = Encoding.ASCII.GetBytes(lines["secret"]);
        using var store = WorkerStore.Open(storePath);
        using var verifier = new RequestVerifier(store, TimeProvider.System);
        var ready = false;
        long lastAcceptedStart = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var timestamp = startedAt.ToString(CultureInfo.InvariantCulture);
            var result = verifier.Verify(new SignedRequest
            {
                KeyId = keyId,
                Timestamp = timestamp,
                Signature = RequestSigner.Sign(secret, timestamp, "GET", "/api/v1/accounts", ReadOnlySpan<byte>.Empty),
                Method = "GET",
                PathAndQuery = "/api/v1/accounts",
                CallerAddress = IPAddress.Loopback,
            });
            if (!result.Accepted)
            {
                Console.WriteLine($"REFUSED {result.Reason} {lastAcceptedStart.ToString(CultureInfo.InvariantCulture)}");
                return 0;
            }

            lastAcceptedStart = startedAt;

            if (!ready)
            {
                ready = true;
                Console.WriteLine("READY");
                Console.Out.Flush();
            }

            Thread.Sleep(10);
        }

        Console.WriteLine("TIMEOUT");
        return 3;
    }

    private static int VerifyRequest(string storePath, string requestFile)
    {
        using var store = WorkerStore.Open(storePath);
        using var verifier = new RequestVerifier(store, TimeProvider.System);
        Console.WriteLine("READY");
        Console.Out.Flush();
        if (!WaitFor(requestFile))
        {
            Console.WriteLine("FAILED no request");
            return 3;
        }

        var fields = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(requestFile))!;
        var result = verifier.Verify(new SignedRequest
        {
            KeyId = fields["KeyId"],
            Timestamp = fields["Timestamp"],
            Signature = fields["Signature"],
            Method = fields["Method"],
            PathAndQuery = fields["Path"],
            ContentType = "application/json",
            Body = Encoding.UTF8.GetBytes(fields["Body"]),
            CallerAddress = IPAddress.Loopback,
            RequiredPermission = Enum.Parse<KeyAdmin.Core.Keys.ApiKeyPermission>(fields["Permission"]),
        });
        Console.WriteLine(result.Accepted ? "ACCEPTED" : "REFUSED " + result.Reason);
        return 0;
    }

    private static bool WaitFor(string goFile)
    {
        var waited = Stopwatch.StartNew();
        while (!File.Exists(goFile))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                return false;
            }

            Thread.Sleep(2);
        }

        return true;
    }
}
