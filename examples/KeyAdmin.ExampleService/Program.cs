using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.Verification;

// Usage: dotnet run --project examples/KeyAdmin.ExampleService -- [--store <path>] [--urls http://127.0.0.1:5080]
var storePath = args.SkipWhile(a => a != "--store").Skip(1).FirstOrDefault() ?? StoreLocation.DefaultPath();
var url = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:5080";
using var store = SqliteStore.Open(storePath, new FileKeyEncryptionKeySource(StoreLocation.KeyFileFor(storePath)));
using var verifier = new RequestVerifier(store, TimeProvider.System);
var app = KeyAdmin.ExampleService.ExampleService.Build(verifier, url);
Console.WriteLine($"KeyAdmin example service on {url}, store {storePath}");
app.Run();
