using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Session;

/// <summary>
/// The store a PowerShell session uses: chosen by Connect-KeyAdminStore for this runspace only, else by
/// $env:KEYADMIN_STORE, else the user's data folder. Opened on first use and kept open for the session.
/// </summary>
internal sealed class KeyAdminSession
{
    private static readonly ConcurrentDictionary<Guid, KeyAdminSession> Sessions = new();
    private readonly object gate = new();
    private KeyAdminAuthority? authority;
    private RequestVerifier? verifier;
    private IKeyAdminStore? verifierStore;

    private KeyAdminSession()
    {
    }

    /// <summary>Set by Connect-KeyAdminStore; overrides the environment for this runspace.</summary>
    public string? ConnectedPath { get; private set; }

    public string? ConnectedKeyFile { get; private set; }

    public static KeyAdminSession ForCurrentRunspace()
    {
        var runspace = Runspace.DefaultRunspace;
        var id = runspace?.InstanceId ?? Guid.Empty;
        return Sessions.GetOrAdd(id, _ =>
        {
            if (runspace is not null)
            {
                runspace.StateChanged += (_, e) =>
                {
                    if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken && Sessions.TryRemove(id, out var closed))
                    {
                        closed.Close();
                    }
                };
            }

            return new KeyAdminSession();
        });
    }

    /// <summary>The store path this session would use now, and where that choice came from.</summary>
    public (string Path, string Source) ResolvePath()
    {
        if (ConnectedPath is not null)
        {
            return (ConnectedPath, "Connect-KeyAdminStore");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? (StoreLocation.DefaultPath(), "Default")
            : (StoreLocation.DefaultPath(), "$env:" + StoreLocation.EnvironmentVariable);
    }

    public string ResolveKeyFile(string storePath) => ConnectedKeyFile ?? StoreLocation.KeyFileFor(storePath);

    /// <summary>The open authority, if the current choice of store has been opened already.</summary>
    public KeyAdminAuthority? Current
    {
        get
        {
            lock (gate)
            {
                return authority is not null && authority.Store.Description.Location == ResolvePath().Path ? authority : null;
            }
        }
    }

    /// <summary>The authority over the store in use, opening (and on first use creating) it.</summary>
    public KeyAdminAuthority Open()
    {
        lock (gate)
        {
            var path = Path.GetFullPath(ResolvePath().Path);
            if (authority is not null && authority.Store.Description.Location == path)
            {
                return authority;
            }

            var store = SqliteStore.Open(path, new FileKeyEncryptionKeySource(ResolveKeyFile(path)));
            CloseCurrent();
            authority = new KeyAdminAuthority(store, TimeProvider.System, Actor.Current());
            return authority;
        }
    }

    /// <summary>The session's verifier over the store in use: one cache and one replay memory for all Test-ApiKey calls.</summary>
    public RequestVerifier Verifier()
    {
        var current = Open();
        lock (gate)
        {
            if (verifier is null || !ReferenceEquals(verifierStore, current.Store))
            {
                verifier?.Dispose();
                verifier = new RequestVerifier(current.Store, TimeProvider.System);
                verifierStore = current.Store;
            }

            return verifier;
        }
    }

    /// <summary>Opens the store at <paramref name="path"/> and makes it this session's store.</summary>
    public KeyAdminAuthority Connect(string path, string? keyFile)
    {
        lock (gate)
        {
            var full = Path.GetFullPath(path);
            var store = SqliteStore.Open(full, new FileKeyEncryptionKeySource(keyFile ?? StoreLocation.KeyFileFor(full)));
            CloseCurrent();
            authority = new KeyAdminAuthority(store, TimeProvider.System, Actor.Current());
            ConnectedPath = full;
            ConnectedKeyFile = keyFile is null ? null : Path.GetFullPath(keyFile);
            return authority;
        }
    }

    private void Close()
    {
        lock (gate)
        {
            CloseCurrent();
            authority = null;
        }
    }

    /// <summary>Flushes the verifier's last-use records before the store they go to is closed.</summary>
    private void CloseCurrent()
    {
        verifier?.Dispose();
        verifier = null;
        verifierStore = null;
        authority?.Store.Dispose();
    }
}
