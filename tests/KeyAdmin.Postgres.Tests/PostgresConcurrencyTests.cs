using System.Diagnostics;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage.Postgres;
using KeyAdmin.Core.Tests.Support;
using Npgsql;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// What only a server shared by many processes can get wrong: the audit chain under concurrent writers,
/// deadlocks and serialisation failures (retried, never surfaced as half-done work), connections that die in
/// the middle of a write, and revocation seen by a verifier in another process. The key limit and once-only
/// codes across processes are CrossProcessTests, run here against PostgreSQL.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class PostgresConcurrencyTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Harness h = new();

    public void Dispose() => h.Dispose();

    [Fact]
    public void AuditChain_FourProcessesWritingTwentyFiveRecordsEachAtOnce_StaysIntactAndGapless()
    {
        var commands = Enumerable.Range(1, 4).Select(i => new[] { "append-audit", "w" + i, "25" }).ToList();

        var answers = Workers.RunAtOnce(h, commands, Timeout);

        Assert.All(answers, a => Assert.Equal("OK 25", a));
        var audit = h.Audit();
        var created = audit.Where(a => a.Action == "Account.Create").ToList();
        Assert.Equal(100, created.Count);
        Assert.Equal(4, created.Select(a => a.Actor).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, audit.Count).Select(i => (long)i), audit.Select(a => a.Sequence));
        var switches = created.Zip(created.Skip(1)).Count(pair => pair.First.Actor != pair.Second.Actor);
        Assert.True(switches > 3, $"The workers' records did not interleave ({switches} switches): they did not write at once.");
        var report = h.Authority.Audit.Verify();
        Assert.True(report.IsIntact, report.Problem);
        Assert.Equal(audit.Count, report.RecordsChecked);
    }

    [Fact]
    public async Task Write_ChosenAsTheVictimOfARealDeadlock_IsRunAgainAndCommitsOnce()
    {
        h.SetPolicy(p => p with { MaxKeysPerAccount = 6 });
        using var other = RawDb.Open(h.StorePath);
        Execute(other, "SET deadlock_timeout = '30s'"); // so that PostgreSQL breaks the cycle in the store's transaction
        using var otherTransaction = other.BeginTransaction();
        Execute(other, "UPDATE policy SET max_keys = max_keys WHERE id = 1");
        var attempts = 0;

        var writing = Task.Run(() => h.Store.Write(tx =>
        {
            Interlocked.Increment(ref attempts);
            tx.WritePolicy(tx.ReadPolicy() with { MaxKeysPerAccount = 7 }); // waits for the other's row lock
            tx.Append(Entry("Test.Deadlock"));
            return 0;
        }));
        WaitUntil(() => WaitingForALock() > 0, "the store's write to wait for the row");
        Execute(other, $"SELECT pg_advisory_xact_lock({PostgresStore.WriteLockKey})"); // the other waits for the store: a cycle
        otherTransaction.Commit();

        await writing.WaitAsync(Timeout);
        Assert.Equal(2, attempts);
        Assert.Equal(7, h.Store.Read(r => r.ReadPolicy()).MaxKeysPerAccount);
        Assert.Single(h.Audit(), a => a.Action == "Test.Deadlock");
        Assert.True(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void Write_MeetingASerialisationFailure_IsRunAgainAndCommitsOnce()
    {
        // The first audit insert fails as a serialisation failure would; a sequence counts the attempts, since
        // it is not rolled back with the transaction.
        RawDb.Execute(h.StorePath, $"""
            CREATE SEQUENCE provoke;
            GRANT USAGE ON SEQUENCE provoke TO {KeyAdmin.TestSupport.PostgresCluster.Role};
            CREATE FUNCTION provoke_once() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('provoke') = 1 THEN
                    RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = 'serialization_failure';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER provoke BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION provoke_once();
            """);

        h.Authority.Accounts.Create("ops", "ops@example.com");

        Assert.Equal(2, RawDb.Scalar(h.StorePath, "SELECT last_value FROM provoke"));
        Assert.Single(h.Authority.Accounts.List());
        Assert.Single(h.Audit(), a => a.Action == "Account.Create");
        Assert.True(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void Write_WhoseConnectionIsKilledBetweenTheChangeAndItsAuditRecord_IsRunAgainAndLeavesNothingHalfWritten()
    {
        var attempts = 0;

        h.Store.Write(tx =>
        {
            var attempt = Interlocked.Increment(ref attempts);
            tx.WritePolicy(tx.ReadPolicy() with { MaxKeysPerAccount = 8 });
            if (attempt == 1)
            {
                Assert.Equal(1, TerminateTheWriter());
            }

            tx.Append(Entry("Test.Killed"));
            return 0;
        });

        Assert.Equal(2, attempts);
        Assert.Equal(8, h.Store.Read(r => r.ReadPolicy()).MaxKeysPerAccount);
        Assert.Single(h.Audit(), a => a.Action == "Test.Killed");
        Assert.True(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void Write_WhoseConnectionIsKilledEveryTime_FailsWithStoreUnavailableAndChangesNothing()
    {
        h.NewAccount();
        var before = Snapshot();
        var attempts = 0;

        var e = Refusal.Expect(KeyAdminError.StoreUnavailable, () => h.Store.Write(tx =>
        {
            Interlocked.Increment(ref attempts);
            tx.WritePolicy(tx.ReadPolicy() with { MaxKeysPerAccount = 9 });
            TerminateTheWriter();
            tx.Append(Entry("Test.Killed"));
            return 0;
        }));

        Assert.Equal(PostgresStore.MaxAttempts, attempts);
        Assert.Equal(h.Store.Description.Location, e.Target);
        Assert.Equal(before, Snapshot());
        Assert.True(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void PooledConnections_KilledByTheServer_AreReplacedWithoutAnError()
    {
        var desk = h.NewAccount();
        var killed = RawDb.Scalar(h.StorePath, "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");

        Assert.True(killed >= 1, "no pooled connection was there to kill");
        Assert.Single(h.Authority.Accounts.List());
        h.CreateKey(desk, "after-restart");
        Assert.Equal(1, h.LiveKeyCount("desk"));
    }

    [Fact]
    public void Disable_IsSeenByAVerifierInAnotherProcessWithinOneSecond() =>
        DisableSeenByAnotherProcessWithinOneSecond(beforeTheDisable: () => Thread.Sleep(250)); // somewhere inside the watcher's 500 ms revalidation period

    [Fact]
    public void ChangeWatch_ItsListenConnectionKilled_ListensAgain_AndADisableIsStillSeenWithinOneSecond() =>
        DisableSeenByAnotherProcessWithinOneSecond(beforeTheDisable: () =>
        {
            var listener = WaitForListener(except: 0);
            Assert.Equal(1, RawDb.Scalar(h.StorePath, $"SELECT count(pg_terminate_backend({listener}, 5000))"));

            // The watch opens a new connection and listens again (a DBA, or a network, can drop it at any time), and
            // the verifier in the other process never stops refusing what is disabled.
            Assert.NotEqual(listener, WaitForListener(except: listener));
        });

    /// <summary>
    /// R9 across processes: a verifier in a worker process is shown a key, <paramref name="beforeTheDisable"/> runs,
    /// the key is disabled here, and no request the worker started a second or more after the disable was accepted.
    /// </summary>
    private void DisableSeenByAnotherProcessWithinOneSecond(Action beforeTheDisable)
    {
        var desk = h.NewAccount();
        var issued = h.CreateKey(desk, "bot");
        var credential = Workers.WriteCredential(h.Folder, $"key:{issued.Key.KeyId}\nsecret:{Harness.Reveal(issued.Secret)}\n");
        var watcher = Workers.Start(h, "watch-key", credential);
        try
        {
            Assert.Equal("READY", Workers.ReadLine(watcher, Timeout));
            beforeTheDisable();

            h.Authority.Keys.Disable(issued.Key.KeyId, "leaked");
            var committedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var answer = Workers.ReadLine(watcher, TimeSpan.FromSeconds(10))?.Split(' ');

            Assert.Equal(new[] { "REFUSED", "Disabled" }, answer?.Take(2));
            var lastAccepted = long.Parse(answer![2], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(lastAccepted < committedAt + 1000, $"the other process accepted a request {lastAccepted - committedAt} ms after the disable");
        }
        finally
        {
            Workers.Stop(watcher);
        }
    }

    /// <summary>The server process of the store's one LISTEN connection other than <paramref name="except"/>, waited for up to 10 s.</summary>
    private long WaitForListener(long except)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var pid = RawDb.Scalar(
                h.StorePath,
                "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database() " +
                $"AND query = 'LISTEN {PostgresDialect.ChangeChannel}' AND pid <> {except}");
            if (pid != 0)
            {
                return pid;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "no verifier listened for the store's changes");
            Thread.Sleep(20);
        }
    }

    private AuditEntry Entry(string action) => new()
    {
        At = h.Now,
        Actor = "tester",
        ActorHost = "host",
        Action = action,
        Outcome = AuditOutcome.Succeeded,
    };

    /// <summary>Ends, from another connection, the session that holds the store's write lock; returns how many it ended.</summary>
    private long TerminateTheWriter() => RawDb.Scalar(
        h.StorePath,
        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_locks " +
        $"WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");

    private long WaitingForALock() => RawDb.Scalar(
        h.StorePath,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");

    private string Snapshot() =>
        string.Join("\n--\n", new[] { "policy", "accounts", "authenticators", "api_keys", "audit", "keyadmin_meta" }.Select(t => RawDb.Dump(h.StorePath, t)));

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Timeout, "Timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }
}
