namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// What every engine's change watch shares: a thread of its own that waits for the engine's signal that something
/// was committed, then reads from the row index which rows the committed transactions changed and hands them on.
/// A failure (the server gone, the file locked) is waited out and the index read again from where it was left, so
/// that nothing committed meanwhile is missed; the verifier's own revalidation covers the time in between.
/// </summary>
internal abstract class ChangeWatch : IDisposable
{
    private readonly Action<IReadOnlyCollection<string>> onChanged;
    private readonly Thread thread;
    private volatile bool stopped;
    private long last;

    private protected ChangeWatch(SqlStore store, Action<IReadOnlyCollection<string>> onChanged)
    {
        Store = store;
        this.onChanged = onChanged;
        thread = new Thread(Run) { IsBackground = true, Name = "KeyAdmin change watch" };
    }

    private protected SqlStore Store { get; }

    private protected bool Stopped => stopped;

    public void Dispose()
    {
        stopped = true;
        Wake();
        if (thread.IsAlive && thread != Thread.CurrentThread)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }

        Close();
    }

    /// <summary>Reads where the index ends now (changes from then on are handed over), and starts watching.</summary>
    internal ChangeWatch Start()
    {
        last = Store.ReadRowChanges(session => session.LastRowChange());
        thread.Start();
        return this;
    }

    /// <summary>Blocks until something may have been committed (or a while has passed); false when that cannot be told now.</summary>
    private protected abstract bool WaitForCommit();

    /// <summary>Makes <see cref="WaitForCommit"/> return (on <see cref="Dispose"/>).</summary>
    private protected virtual void Wake()
    {
    }

    /// <summary>Forgets the engine's connection, so that the next wait opens a new one.</summary>
    private protected abstract void Close();

    private void Run()
    {
        while (!stopped)
        {
            try
            {
                if (WaitForCommit() && !stopped)
                {
                    Deliver();
                }
            }
            catch (Exception)
            {
                // The engine's connection failed (or the store is closing): open a new one after a pause, and read the
                // index from where it was left, so that whatever was committed meanwhile is handed over too. A thread
                // of the store's never ends the process.
                Close();
                if (!stopped)
                {
                    Thread.Sleep(TimeSpan.FromMilliseconds(100));
                    TryDeliver();
                }
            }
        }
    }

    private void TryDeliver()
    {
        try
        {
            Deliver();
        }
        catch (Exception)
        {
        }
    }

    private void Deliver()
    {
        var (next, rows) = Store.ReadRowChanges(session => session.RowsChangedSince(last));
        last = next;
        if (rows.Count > 0)
        {
            onChanged(rows);
        }
    }
}
