using System.Net;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Verification;
using KeyAdmin.ExampleService;

// Usage: dotnet run --project examples/KeyAdmin.ExampleService -- [--store <path or PostgreSQL connection string>]
//        [--key-file <file>] [--urls http://127.0.0.1:5080] [--known-proxy <address>]... [--known-network <cidr>]...
//        [--read-replay Writes|All|None] [--benchmark-unverified-account <account>]
// Without --store, $KEYADMIN_STORE or the data folder; a team store's key file may come from $KEYADMIN_KEY_FILE.
// Behind a reverse proxy, name it with --known-proxy so that its X-Forwarded-For is believed (and only its).
// --read-replay: which requests that need only Read are replay-protected (Writes, the default: all but GET).
// --benchmark-unverified-account: for the load test only (bench/KeyAdmin.Benchmarks service): also serve that account's
// GET /api/v1/accounts as GET /unverified/api/v1/accounts with no authentication, as the baseline of the same endpoint.
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
IEnumerable<string> Options(string name) => args.Select((a, i) => (a, i)).Where(p => p.a == name && p.i + 1 < args.Length).Select(p => args[p.i + 1]);
var storeArgument = Option("--store");
var target = storeArgument is null ? StoreTarget.FromEnvironment() : StoreTarget.Parse(storeArgument, Option("--key-file"));
var options = new ExampleServiceOptions
{
    Url = Option("--urls") ?? "http://127.0.0.1:5080",
    KnownProxies = Options("--known-proxy").Select(IPAddress.Parse).ToArray(),
    KnownNetworks = Options("--known-network").ToArray(),
    UnverifiedBaselineAccount = Option("--benchmark-unverified-account"),
};
using var store = target.Open();
var readReplay = Enum.Parse<ReadReplayProtection>(Option("--read-replay") ?? nameof(ReadReplayProtection.Writes), ignoreCase: true);
using var verifier = new RequestVerifier(store, TimeProvider.System, new VerifierOptions { ReadReplay = readReplay });
var app = ExampleService.Build(verifier, options);
Console.WriteLine($"KeyAdmin example service on {options.Url}, store {target.Location}"); // the location never shows a password
if (options.UnverifiedBaselineAccount is { } baseline)
{
    Console.WriteLine($"BENCHMARK ONLY: {ExampleService.UnverifiedBaselinePrefix}/api/v1/accounts answers for account '{baseline}' without authentication.");
}

app.Run();
