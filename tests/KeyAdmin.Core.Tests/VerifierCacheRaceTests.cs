using System.Reflection;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// The verifier's cache against a change heard while a lookup is being stored (R9: a key disabled in this process is
/// refused on the very next request). The interleaving is forced, not hoped for: the test holds the cache's own
/// stripe locks, so the lookup, which takes none of them before it stores what it read, stops exactly at that store;
/// the disable then runs on the thread that holds them (Monitor is re-entrant), so its KeyChangeSignal counts the
/// change and forgets the key while the lookup waits; only then is the lookup let go.
/// </summary>
public sealed class VerifierCacheRaceTests : IDisposable
{
    private readonly StoreAttacker attacker = new();

    private Harness h => attacker.Harness;

    public void Dispose() => attacker.Dispose();

    [Fact]
    public void Disable_HeardAfterAFirstLookupCheckedForChangesButBeforeItWasStored_TheNextRequestIsRefused()
    {
        // The change watch off: the disable reaches this verifier through KeyChangeSignal only, as it does in this
        // process whatever the watch does (a watch's delivery would go through the same count-then-forget).
        using var verifier = new RequestVerifier(h.Store, h.Clock, new VerifierOptions { WatchChanges = false, FlushInterval = TimeSpan.FromHours(1) });
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        var inFlight = Fresh(key, secret);
        VerificationResult? first = null;
        var lookup = new Thread(() => first = verifier.Verify(inFlight)) { IsBackground = true };
        var locks = CacheLocks(verifier);

        foreach (var stripe in locks)
        {
            Monitor.Enter(stripe);
        }

        try
        {
            // The first request of the key: read whole while the key is enabled, checked for changes (none yet), and
            // now waiting to be stored.
            lookup.Start();
            WaitUntilBlocked(lookup);

            // Committed, then KeyChangeSignal: the change is counted and the key forgotten (there is nothing to forget yet).
            h.Authority.Keys.Disable(key.KeyId, "leaked");
        }
        finally
        {
            foreach (var stripe in locks)
            {
                Monitor.Exit(stripe);
            }
        }

        Assert.True(lookup.Join(TimeSpan.FromSeconds(30)), "the lookup did not finish");
        // It began before the disable returned: either answer is fair for it.
        Assert.NotNull(first);

        // Disable-ApiKey has returned: the very next request in this process is refused (R9), not served from an
        // entry read before the disable and stored after it was forgotten (it would be trusted for RevalidateAfter).
        Assert.Equal(VerificationReason.Disabled, verifier.Verify(Fresh(key, secret)).Reason);
    }

    [Fact]
    public void DisableInAnotherProcess_WithTheWatchLost_AfterTheClockWasSetBack_IsRefusedAfterRevalidateAfter()
    {
        // A verifier of another process (it hears no KeyChangeSignal of this one) whose change watch is lost: the
        // 500 ms revalidation is all that stands between a disable and its refusal there. Its wall clock is then set
        // back an hour (an NTP step, a VM resumed, an operator), as wall clocks are.
        var clock = new SteppedClock(h.Now);
        using var verifier = new RequestVerifier(new ElsewhereStore(h.Store), clock, new VerifierOptions { WatchChanges = false, FlushInterval = TimeSpan.FromHours(1) });
        var (key, secret) = attacker.NewKey("bot", ApiKeyPermission.Trade);
        Assert.Equal(VerificationReason.Accepted, verifier.Verify(Signed(key, secret, clock)).Reason);

        clock.SetBack(TimeSpan.FromHours(1));
        h.Authority.Keys.Disable(key.KeyId, "leaked");
        clock.Advance(TimeSpan.FromMilliseconds(600));

        // More than RevalidateAfter after the disable, by this verifier's own clock and by any other: the key must
        // have been read again. An age taken as the difference of two wall-clock readings is negative here, and a
        // negative age is less than 500 ms for the next hour.
        Assert.Equal(VerificationReason.Disabled, verifier.Verify(Signed(key, secret, clock)).Reason);
    }

    [Fact]
    public void Withdrawal_WithItsCode_AtAVerifierThatHasNotHeardOfTheDisable_IsRefused()
    {
        // A verifier of another process whose change watch is lost: its copy of the key may be up to RevalidateAfter
        // old. A withdrawal that needs a code is confirmed in a transaction that reads the key again; there the
        // disable is seen, and neither the withdrawal nor the code goes through.
        var desk = attacker.Account;
        var (key, secret) = h.WithdrawKey(desk, "withdrawer");
        h.Authority.Accounts.Update(desk.Name, new AccountChanges { RequireWithdrawalCode = true }, h.Proof(desk.Seed));
        h.NextStep();
        using var verifier = new RequestVerifier(new ElsewhereStore(h.Store), h.Clock, new VerifierOptions { WatchChanges = false, FlushInterval = TimeSpan.FromHours(1) });
        Assert.Equal(VerificationReason.TwoFactorRequired, verifier.Verify(h.Withdrawal(key, secret, 1, null)).Reason);

        h.Authority.Keys.Disable(key.KeyId, "leaked");
        var refused = verifier.Verify(h.Withdrawal(key, secret, 2, h.Code(desk.Seed)));

        Assert.Equal(VerificationReason.Disabled, refused.Reason);
        Assert.DoesNotContain(h.Audit(), a => a.Action == "Verification.Withdraw" && a.Outcome == AuditOutcome.Succeeded);
    }

    /// <summary>A request signed at <paramref name="clock"/>'s time (a new one each time: its clock moves on 1 ms).</summary>
    private SignedRequest Signed(ApiKey key, byte[] secret, SteppedClock clock)
    {
        clock.Advance(TimeSpan.FromMilliseconds(1));
        return attacker.Sign(key, secret, ApiKeyPermission.Trade, at: clock.GetUtcNow());
    }

    /// <summary>
    /// A wall clock that may be set back, as a real one may, over a monotonic one that only time moves
    /// (<see cref="TimeProvider.GetTimestamp"/>): what the test says has passed has passed by either.
    /// </summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset wall = start;
        private long elapsedTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override DateTimeOffset GetUtcNow() => wall;

        public override long GetTimestamp() => elapsedTicks;

        public void Advance(TimeSpan by)
        {
            wall += by;
            elapsedTicks += by.Ticks;
        }

        /// <summary>The wall clock only, set back by <paramref name="by"/>: no time passes.</summary>
        public void SetBack(TimeSpan by) => wall -= by;
    }

    /// <summary>The stripe locks of the verifier's cache (ConcurrentDictionary's own, as its writes take them).</summary>
    private static object[] CacheLocks(RequestVerifier verifier)
    {
        var cache = typeof(RequestVerifier).GetField("cache", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(verifier)!;
        var tables = cache.GetType().GetField("_tables", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(cache)!;
        return (object[])tables.GetType().GetField("_locks", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(tables)!;
    }

    /// <summary>Until the thread waits on a lock, and still does a while later (a read of the store does not wait so long).</summary>
    private static void WaitUntilBlocked(Thread thread)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if ((thread.ThreadState & ThreadState.WaitSleepJoin) != 0)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(300));
                if ((thread.ThreadState & ThreadState.WaitSleepJoin) != 0)
                {
                    return;
                }
            }

            Thread.Sleep(1);
        }

        Assert.Fail("the lookup never reached the cache's store");
    }

    /// <summary>A new request (a later timestamp, inside RevalidateAfter): the same one twice would be a replay.</summary>
    private SignedRequest Fresh(ApiKey key, byte[] secret)
    {
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        return attacker.Sign(key, secret, ApiKeyPermission.Trade);
    }
}
