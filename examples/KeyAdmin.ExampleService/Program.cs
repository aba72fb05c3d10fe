using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Verification;

// Usage: dotnet run --project examples/KeyAdmin.ExampleService -- [--store <path or PostgreSQL connection string>]
//        [--key-file <file>] [--urls http://127.0.0.1:5080]
// Without --store, $KEYADMIN_STORE or the data folder; a team store's key file may come from $KEYADMIN_KEY_FILE.
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var storeArgument = Option("--store");
var target = storeArgument is null ? StoreTarget.FromEnvironment() : StoreTarget.Parse(storeArgument, Option("--key-file"));
var url = Option("--urls") ?? "http://127.0.0.1:5080";
using var store = target.Open();
using var verifier = new RequestVerifier(store, TimeProvider.System);
var app = KeyAdmin.ExampleService.ExampleService.Build(verifier, url);
Console.WriteLine($"KeyAdmin example service on {url}, store {target.Location}"); // the location never shows a password
app.Run();
