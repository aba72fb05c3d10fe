using System.Collections.Concurrent;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// PostgreSQL's change watch against whoever may send a notification on the store's channel (any role that can
/// connect to the database may <c>NOTIFY</c>): a notification is only a reason to read the row index, whatever it says.
/// </summary>
public sealed class PostgresChangeWatchTests : IDisposable
{
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public void ChangeWatch_AFloodOfSpoofedNotificationsNamingAKey_HandsOverNothing_AndAGenuineCommitIsStillHeard()
    {
        var desk = h.NewAccount();
        var key = h.CreateKey(desk, "bot").Key;
        var heard = new ConcurrentQueue<string>();
        using var watch = h.Store.WatchChanges(rows => { foreach (var row in rows) heard.Enqueue(row); }, TimeSpan.FromMilliseconds(2));
        WaitFor(() => RawDb.Scalar(h.StorePath, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN keyadmin_changes'") > 0);

        // A thousand notifications, each naming the key (and a sequence), as KeyAdmin's own would; none from a commit.
        RawDb.Execute(h.StorePath, $"SELECT pg_notify('keyadmin_changes', 'api_keys:{key.KeyId}') FROM generate_series(1, 500); " +
            $"SELECT pg_notify('keyadmin_changes', s::text) FROM generate_series(1, 500) s");
        Thread.Sleep(TimeSpan.FromSeconds(1));

        Assert.Empty(heard);
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        WaitFor(() => heard.Contains("api_keys:" + key.KeyId));
    }

    private static void WaitFor(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "not within 10 s");
            Thread.Sleep(10);
        }
    }
}
