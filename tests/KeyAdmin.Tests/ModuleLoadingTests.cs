using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

public sealed class ModuleLoadingTests
{
    [Fact]
    public void Import_FromBuiltFolder_OpensEmbeddedStoreThroughPrivateLoadContext()
    {
        using var session = new ModuleSession();

        var store = session.Run("Get-KeyAdminPolicy | Out-Null; Get-KeyAdminStore").Single();

        Assert.Equal("SQLite", store.Text("Engine"));
        Assert.Equal(session.StorePath, store.Text("Location"));
        Assert.Equal("Connect-KeyAdminStore", store.Text("Source"));
        Assert.True((bool)store.Property("Exists")!);
        var context = System.Runtime.Loader.AssemblyLoadContext.All
            .Single(c => c.Assemblies.Any(a => a.GetName().Name == "KeyAdmin.Core"));
        Assert.Equal("KeyAdmin.Dependencies", context.Name);
        Assert.Contains(context.Assemblies, a => a.GetName().Name == "Microsoft.Data.Sqlite");
    }

    [Fact]
    public void RemoveModule_InOneRunspace_LeavesTheCoreTypeNamesToTheOthers()
    {
        // The type names ([KeyAdmin.Core.Keys.ApiKeyPermission] …) are the process's: Remove-Module in one runspace
        // must not take them from another that still has the module.
        using var staying = new ModuleSession(connect: false);
        using var leaving = new ModuleSession(connect: false);

        leaving.Run("Remove-Module KeyAdmin").ThrowOnError();
        var permission = staying.Run("[KeyAdmin.Core.Keys.ApiKeyPermission]::Trade.ToString()").Single();

        Assert.Equal("Trade", permission.BaseObject);
    }
}
