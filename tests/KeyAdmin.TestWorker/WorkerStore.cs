// --connection-string <cs> --key-file <file> before a command open a PostgreSQL store for it: the connection
// string takes the place of the command's <store> argument. A <store> that is itself a connection string works
// too (its key file from --key-file or $KEYADMIN_KEY_FILE); anything else is an SQLite file with <store>.kek.
using KeyAdmin.Core.Storage;

internal static class WorkerStore
{
    private static string? keyFile;

    public static string[] TakeOptions(string[] args)
    {
        string? connectionString = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--connection-string" && i + 1 < args.Length)
            {
                connectionString = args[++i];
            }
            else if (args[i] == "--key-file" && i + 1 < args.Length)
            {
                keyFile = args[++i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        if (connectionString is not null && rest.Count > 0)
        {
            rest.Insert(1, connectionString);
        }

        return rest.ToArray();
    }

    public static IKeyAdminStore Open(string store) => StoreTarget.Parse(store, StoreTarget.IsConnectionString(store) ? keyFile : null).Open();
}
