using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Session;

/// <summary>
/// The store a PowerShell session uses: chosen by Connect-KeyAdminStore for this runspace only, else by
/// $env:KEYADMIN_STORE (a path or a PostgreSQL connection string), else the user's data folder. Opened on first
/// use and kept open for the session; which engine it is, is the core's business (StoreTarget).
/// </summary>
internal sealed class KeyAdminSession
{
    private static readonly ConcurrentDictionary<Guid, KeyAdminSession> Sessions = new();
    private readonly object gate = new();
    private KeyAdminAuthority? authority;
    private RequestVerifier? verifier;
    private IKeyAdminStore? verifierStore;
    private StoreTarget? openTarget;
    private bool openReadOnly;

    private KeyAdminSession()
    {
    }

    /// <summary>Set once this session has warned that a running transcript records what KeyAdmin draws on the host.</summary>
    public bool TranscriptWarned { get; set; }

    /// <summary>Set by Connect-KeyAdminStore; overrides the environment for this runspace.</summary>
    public StoreTarget? Connected { get; private set; }

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

    /// <summary>The store this session would use now, and where that choice came from.</summary>
    public (StoreTarget Target, string Source) Resolve()
    {
        if (Connected is not null)
        {
            return (Connected, "Connect-KeyAdminStore");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(StoreLocation.EnvironmentVariable);
        return (StoreTarget.FromEnvironment(), string.IsNullOrWhiteSpace(fromEnvironment) ? "Default" : "$env:" + StoreLocation.EnvironmentVariable);
    }

    /// <summary>The open authority, if the current choice of store has been opened already.</summary>
    public KeyAdminAuthority? Current
    {
        get
        {
            lock (gate)
            {
                return authority is not null && openTarget is not null && openTarget.SameStore(Resolve().Target) ? authority : null;
            }
        }
    }

    /// <summary>
    /// The authority over the store in use, opening it. With <paramref name="readOnly"/> a store that is not open
    /// yet is opened to read only (never created or upgraded); a store open to read only is opened again to write
    /// when a command needs to. A missing store is created only for a command that may start one
    /// (<paramref name="create"/>), else it is KeyAdmin.StoreNotFound.
    /// </summary>
    public KeyAdminAuthority Open(bool readOnly = false, bool create = false)
    {
        lock (gate)
        {
            var target = Resolve().Target;
            return authority is not null && target.SameStore(openTarget) && (readOnly || !openReadOnly) ? authority : OpenTarget(target, readOnly, create);
        }
    }

    /// <summary>The session's verifier over the store in use: one cache and one replay memory for all Test-ApiKey calls.</summary>
    public RequestVerifier Verifier()
    {
        // A verifier records use and refusals (R13): it needs a store it may write.
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

    /// <summary>
    /// Makes <paramref name="target"/> this session's store, opened now (and created when <paramref name="create"/>).
    /// A store that does not exist yet is connected without opening (null): the first command that changes
    /// something creates it. Any other failure leaves the session on the store it had.
    /// </summary>
    public KeyAdminAuthority? Connect(StoreTarget target, bool create)
    {
        lock (gate)
        {
            try
            {
                var opened = OpenTarget(target, readOnly: false, create);
                Connected = target;
                return opened;
            }
            catch (KeyAdminException e) when (e.Error == KeyAdminError.StoreNotFound)
            {
                CloseCurrent();
                authority = null;
                openTarget = null;
                Connected = target;
                return null;
            }
        }
    }

    private KeyAdminAuthority OpenTarget(StoreTarget target, bool readOnly = false, bool create = false)
    {
        // Opened before the current store is closed: a store that cannot be opened leaves the session as it was.
        var store = target.Open(readOnly, create);
        CloseCurrent();
        authority = new KeyAdminAuthority(store, TimeProvider.System, Actor.Current());
        openTarget = target;
        openReadOnly = readOnly;
        return authority;
    }

    private void Close()
    {
        lock (gate)
        {
            CloseCurrent();
            authority = null;
            openTarget = null;
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
